-- ops/demo/seed.sql - the demo data `make run` loads: the five role organisations (fixed ids, so a
-- second run finds them and changes nothing), ten municipalities in nine regions, six suppliers,
-- 70 tenders over 2024-2026 with clauses of every kind, contracts and some 400 placements, so the
-- dashboard tells a story on first start. Everything is deterministic and keyed by fixed ids
-- (on conflict do nothing); person_refs are SHA-256 of "demo-person-N", never of a henkilötunnus.
-- Y-tunnus values carry valid check digits.
insert into organizations (id, name, kind, country, business_id, region, municipality_code, social_enterprise) values
    ('00000000-0000-4000-8000-000000000001', 'Clausetrack-ylläpito', 'admin', 'FIN', null, null, null, false),
    ('00000000-0000-4000-8000-000000000002', 'Joensuun kaupunki', 'buyer', 'FIN', '0204819-8', 'FI1D3', '167', false),
    ('00000000-0000-4000-8000-000000000003', 'Karjalan Siivous Oy', 'supplier', 'FIN', '1234567-1', 'FI1D3', '167', false),
    ('00000000-0000-4000-8000-000000000004', 'Kuntaliitto', 'analyst', 'FIN', '0926151-4', 'FI1B1', '091', false),
    ('00000000-0000-4000-8000-000000000005', 'Yhteiskunnallisten yritysten osaamiskeskus', 'centre', 'FIN', null, 'FI1B1', '091', false)
on conflict do nothing;

-- The other municipalities (buyers) and suppliers.
insert into organizations (id, name, kind, country, business_id, region, municipality_code, social_enterprise) values
    ('00000000-0000-4000-8000-000000000011', 'Helsingin kaupunki', 'buyer', 'FIN', '0201256-6', 'FI1B1', '091', false),
    ('00000000-0000-4000-8000-000000000012', 'Espoon kaupunki', 'buyer', 'FIN', '0101263-6', 'FI1B1', '049', false),
    ('00000000-0000-4000-8000-000000000013', 'Vantaan kaupunki', 'buyer', 'FIN', '0124610-9', 'FI1B1', '092', false),
    ('00000000-0000-4000-8000-000000000014', 'Tampereen kaupunki', 'buyer', 'FIN', '0211675-2', 'FI197', '837', false),
    ('00000000-0000-4000-8000-000000000015', 'Kuopion kaupunki', 'buyer', 'FIN', '0171076-8', 'FI1D2', '297', false),
    ('00000000-0000-4000-8000-000000000016', 'Jyväskylän kaupunki', 'buyer', 'FIN', '0208201-1', 'FI193', '179', false),
    ('00000000-0000-4000-8000-000000000017', 'Oulun kaupunki', 'buyer', 'FIN', '0187690-1', 'FI1D9', '564', false),
    ('00000000-0000-4000-8000-000000000018', 'Rovaniemen kaupunki', 'buyer', 'FIN', '0209602-6', 'FI1D7', '698', false),
    ('00000000-0000-4000-8000-000000000019', 'Maarianhaminan kaupunki', 'buyer', 'FIN', '0205000-1', 'FI200', '478', false),
    ('00000000-0000-4000-8000-000000000021', 'Uudenmaan Kiinteistöhuolto Oy', 'supplier', 'FIN', '1456789-2', 'FI1B1', '091', false),
    ('00000000-0000-4000-8000-000000000022', 'Pirkan Viherpalvelut Oy', 'supplier', 'FIN', '2345678-0', 'FI197', '837', false),
    ('00000000-0000-4000-8000-000000000023', 'Työtä Yhdessä ry', 'supplier', 'FIN', '3456781-4', 'FI1D2', '297', true),
    ('00000000-0000-4000-8000-000000000024', 'Pohjolan Rakennus Oy', 'supplier', 'FIN', '2764321-7', 'FI1D9', '564', false),
    ('00000000-0000-4000-8000-000000000025', 'Ålands Städservice Ab', 'supplier', 'FIN', '1987654-7', 'FI200', '478', false)
on conflict do nothing;

-- Tenders: seven per municipality (70), numbered n = 0..69; buyer b = n / 7 (0 = Joensuu). Year
-- 2024-2026 by deadline; CPV from a list of services the clauses are common in.
with buyers(b, id) as (values
        (0, '00000000-0000-4000-8000-000000000002'::uuid), (1, '00000000-0000-4000-8000-000000000011'),
        (2, '00000000-0000-4000-8000-000000000012'), (3, '00000000-0000-4000-8000-000000000013'),
        (4, '00000000-0000-4000-8000-000000000014'), (5, '00000000-0000-4000-8000-000000000015'),
        (6, '00000000-0000-4000-8000-000000000016'), (7, '00000000-0000-4000-8000-000000000017'),
        (8, '00000000-0000-4000-8000-000000000018'), (9, '00000000-0000-4000-8000-000000000019')),
    kinds(i, cpv, nature, title) as (values
        (0, '90910000', 'services', 'Kiinteistöjen siivouspalvelut'),
        (1, '77310000', 'services', 'Viheralueiden hoito'),
        (2, '55520000', 'services', 'Ateriapalvelut kouluille'),
        (3, '45000000', 'works', 'Koulun peruskorjaus'),
        (4, '60130000', 'services', 'Koulukuljetukset'),
        (5, '85310000', 'services', 'Kotihoidon tukipalvelut'),
        (6, '79620000', 'services', 'Henkilöstöpalvelut'))
insert into tenders (id, buyer_org_id, title, nature, cpv, estimated_value, region, municipality_code, deadline,
                     status, source, created_at)
select ('00000000-0000-4000-8001-' || lpad(n::text, 12, '0'))::uuid, b.id, k.title || ' ' || (2024 + n % 3),
       k.nature, k.cpv, 80000 + (n * 37 % 20) * 25000, o.region, o.municipality_code,
       make_date(2024 + n % 3, 1 + n * 5 % 12, 1 + n % 27),
       case when n % 3 = 2 and n % 7 in (5, 6) then 'open' else 'awarded' end, 'api',
       make_timestamptz(2024 + n % 3, 1 + n * 5 % 12, 1, 9, 0, 0, 'UTC') - interval '60 days'
  from generate_series(0, 69) n
  join buyers b on b.b = n / 7
  join organizations o on o.id = b.id
  join kinds k on k.i = n % 7
on conflict do nothing;

-- Clauses: five tenders in seven, every kind, one or two target groups.
insert into clauses (id, tender_id, kind, target_groups, quantity, min_months_per_person, min_weekly_hours,
                     reporting, sanction_eur, description)
select ('00000000-0000-4000-8002-' || lpad(n::text, 12, '0'))::uuid,
       ('00000000-0000-4000-8001-' || lpad(n::text, 12, '0'))::uuid,
       (array['hire_persons', 'person_months', 'apprenticeships', 'work_trials', 'social_enterprise_share'])[1 + n % 5],
       case when n % 4 = 0 then array[(array['long_term_unemployed', 'partially_able', 'youth', 'immigrant', 'older_worker',
                                             'disabled', 'other'])[1 + n % 7], 'youth']
            else array[(array['long_term_unemployed', 'partially_able', 'youth', 'immigrant', 'older_worker',
                              'disabled', 'other'])[1 + n % 7]] end,
       (array[3, 24, 2, 4, 10])[1 + n % 5], 6, case when n % 2 = 0 then 18 else 0 end,
       case when n % 3 = 0 then 'quarterly' else 'monthly' end, case when n % 5 = 0 then 5000 end,
       'Toimittaja työllistää sopimuskauden aikana kohderyhmään kuuluvia henkilöitä.'
  from generate_series(0, 69) n
 where n % 7 not in (3, 6) and not exists (select 1 from clauses c where c.tender_id =
       ('00000000-0000-4000-8001-' || lpad(n::text, 12, '0'))::uuid)
on conflict do nothing;

-- Contracts on the awarded tenders, one supplier each, from a month after the deadline for 12-24 months.
insert into contracts (id, tender_id, supplier_org_id, contract_ref, signed_on, starts_on, ends_on, value, source)
select ('00000000-0000-4000-8003-' || lpad(n::text, 12, '0'))::uuid, t.id,
       (array['00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000021',
              '00000000-0000-4000-8000-000000000022', '00000000-0000-4000-8000-000000000023',
              '00000000-0000-4000-8000-000000000024', '00000000-0000-4000-8000-000000000025']::uuid[])[
           case when n / 7 = 9 then 6 when n / 7 = 0 then 1 else 1 + n % 5 end],
       'SOP-' || (2024 + n % 3) || '-' || lpad(n::text, 3, '0'), t.deadline + 20, t.deadline + 30,
       t.deadline + 30 + (12 + n % 13) * 30, t.estimated_value * 0.9, 'api'
  from generate_series(0, 69) n
  join tenders t on t.id = ('00000000-0000-4000-8001-' || lpad(n::text, 12, '0'))::uuid
 where t.status = 'awarded'
on conflict do nothing;

-- Placements: 3-10 per contract (Maarianhamina's few, so its figures are suppressed), in the
-- target groups of the contract's clause (or any group), a tenth of the people placed twice.
insert into placements (id, contract_id, person_ref, target_group, starts_on, ends_on, weekly_hours, employment_type,
                        supports, end_reason, continued_employment)
select ('00000000-0000-4000-8004-' || lpad((n * 100 + i)::text, 12, '0'))::uuid, k.id,
       encode(sha256(convert_to('demo-person-' || case when (n * 100 + i) % 10 = 9 then (n * 100 + i) - 109
                                                       else n * 100 + i end, 'UTF8')), 'hex'),
       coalesce(c.target_groups[1 + i % cardinality(c.target_groups)],
                (array['long_term_unemployed', 'partially_able', 'youth', 'immigrant'])[1 + (n + i) % 4]),
       s.starts_on,
       case when (n + i) % 3 = 0 then null else least(s.starts_on + 60 + (n * 7 + i * 31) % 300, k.ends_on) end,
       (array[37.5, 30, 25, 20, 37.5, 18.75])[1 + (n + i) % 6],
       (array['permanent', 'fixed_term', 'apprenticeship', 'work_trial', 'wage_subsidised'])[1 + (n + 2 * i) % 5],
       case when i % 4 = 0 then array['wage_subsidy'] when i % 4 = 1 then array['job_coach'] else '{}' end,
       null, null
  from generate_series(0, 69) n
  join contracts k on k.id = ('00000000-0000-4000-8003-' || lpad(n::text, 12, '0'))::uuid
  left join clauses c on c.tender_id = k.tender_id
 cross join lateral generate_series(0, case when n / 7 = 9 then 0 else 2 + (n * 3) % 8 end) i
 cross join lateral (select least(k.starts_on + i * 23, k.ends_on) as starts_on) s
 where s.starts_on <= (now() at time zone 'UTC')::date and (n / 7 <> 9 or n % 2 = 0)
on conflict do nothing;

-- The last compliance statuses, as the janitor would have recorded them (it recomputes them
-- from the placements within a minute of the daemon's start).
insert into clause_status (contract_id, clause_id, status, as_of, evaluated_at)
select k.id, c.id,
       case when k.ends_on < (now() at time zone 'UTC')::date
            then (array['fulfilled', 'fulfilled', 'breached'])[1 + abs(hashtext(c.id::text)) % 3]
            else (array['on_track', 'fulfilled', 'at_risk', 'behind'])[1 + abs(hashtext(c.id::text)) % 4] end,
       (now() at time zone 'UTC')::date, now()
  from contracts k join clauses c on c.tender_id = k.tender_id
 where k.id::text like '00000000-0000-4000-8003-%'
on conflict do nothing;
