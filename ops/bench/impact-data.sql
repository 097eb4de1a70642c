-- ops/bench/impact-data.sql - a synthetic impact data set for ops/bench/impact, set-based:
-- psql -v tenders=N -v placements=N -f ops/bench/impact-data.sql. 300 buyer municipalities over
-- the 19 regions, 200 suppliers, :tenders tenders over 2024-2026 (60 % with an employment clause,
-- 70 % with a contract), :placements placements spread over the contracts (one person in eight
-- placed twice), last statuses for every contract and clause; triggers are off while loading and
-- api.impact_rebuild() builds the counters afterwards. Not a fixture: figures are arbitrary.
\set ON_ERROR_STOP 1
set session_replication_role = replica;
set synchronous_commit = off;

-- Y-tunnus check digit: weights 7 9 10 5 8 4 2, remainder r of the sum by 11: 0 -> 0, else 11 - r
-- (r = 1 never gives a valid number: such bases are skipped).
create temp table bench_ids as
select n, base, case when r = 0 then 0 else 11 - r end as check_digit
  from (select n, base,
               (substr(base, 1, 1)::int * 7 + substr(base, 2, 1)::int * 9 + substr(base, 3, 1)::int * 10
                + substr(base, 4, 1)::int * 5 + substr(base, 5, 1)::int * 8 + substr(base, 6, 1)::int * 4
                + substr(base, 7, 1)::int * 2) % 11 as r
          from (select n, lpad((3000000 + n * 7)::text, 7, '0') as base from generate_series(1, 700) n) b) x
 where r <> 1;

create temp table bench_regions as
select row_number() over (order by code) - 1 as i, code from impact_region;

insert into organizations (id, name, kind, business_id, region, municipality_code)
select ('b0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'Bench municipality ' || i, 'buyer',
       (select base || '-' || check_digit from bench_ids order by n offset i limit 1),
       (select code from bench_regions where bench_regions.i = o.i % 19),
       lpad((100 + i)::text, 3, '0')
  from generate_series(0, 299) o(i);
insert into organizations (id, name, kind, business_id)
select ('c0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'Bench supplier ' || i, 'supplier',
       (select base || '-' || check_digit from bench_ids order by n offset 300 + i limit 1)
  from generate_series(0, 199) i;

insert into tenders (id, buyer_org_id, title, region, municipality_code, cpv, deadline, status, created_at)
select ('d0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, o.id, 'Bench tender ' || i, o.region,
       o.municipality_code,
       (array['79620000', '90910000', '45000000', '55520000', '85310000', '77310000', '60130000', '79500000',
              '98341000', '50700000'])[1 + i % 10],
       date '2024-01-15' + (i * 7919 % 1080), 'awarded', timestamptz '2024-01-01' + (i % 1000) * interval '1 day'
  from generate_series(0, :tenders - 1) i
  join organizations o on o.id = ('b0000000-0000-4000-8000-' || lpad(to_hex(i % 300), 12, '0'))::uuid;

insert into clauses (id, tender_id, kind, target_groups, quantity)
select ('e0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
       ('d0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
       (array['hire_persons', 'person_months', 'apprenticeships', 'work_trials', 'social_enterprise_share'])[1 + i % 5],
       case when i % 3 = 0 then array[(array['partially_able', 'long_term_unemployed', 'youth', 'disabled', 'immigrant',
                                             'older_worker', 'other'])[1 + i % 7],
                                      (array['youth', 'partially_able'])[1 + i % 2]]
            else array[(array['partially_able', 'long_term_unemployed', 'youth', 'disabled', 'immigrant',
                              'older_worker', 'other'])[1 + i % 7]] end,
       case when i % 5 = 4 then 10 else 1 + i % 6 end
  from generate_series(0, :tenders - 1) i
 where i % 5 < 3;

insert into contracts (id, tender_id, supplier_org_id, starts_on, ends_on, value)
select ('f0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, t.id,
       ('c0000000-0000-4000-8000-' || lpad(to_hex(i % 200), 12, '0'))::uuid,
       t.deadline + 30, t.deadline + 30 + 365 + (i % 3) * 182, 100000 + i % 50 * 1000
  from generate_series(0, :tenders - 1) i
  join tenders t on t.id = ('d0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid
 where i % 10 < 7;

create temp table bench_contracts as
select row_number() over (order by k.id) - 1 as i, k.id, k.starts_on, k.ends_on from contracts k
 where k.id::text like 'f0000000-%';

insert into placements (contract_id, person_ref, target_group, starts_on, ends_on, weekly_hours, employment_type)
select k.id,
       encode(sha256(convert_to('bench-person-' || (case when p % 8 = 7 then p - 7 else p end), 'UTF8')), 'hex'),
       (array['partially_able', 'long_term_unemployed', 'youth', 'disabled', 'immigrant', 'older_worker', 'other'])[1 + p % 7],
       k.starts_on + (p * 31 % 200),
       case when p % 4 = 0 then null else k.starts_on + (p * 31 % 200) + 30 + p % 300 end,
       (array[37.5, 30, 20, 18.75, 40])[1 + p % 5],
       (array['permanent', 'fixed_term', 'apprenticeship', 'work_trial', 'wage_subsidised'])[1 + p % 5]
  from generate_series(0, :placements - 1) p
  join bench_contracts k on k.i = p % (select count(*) from bench_contracts);

insert into clause_status (contract_id, clause_id, status, as_of, evaluated_at)
select k.id, c.id, (array['fulfilled', 'on_track', 'at_risk', 'behind', 'fulfilled', 'breached'])[1 + abs(hashtext(k.id::text)) % 6],
       current_date, now()
  from contracts k join clauses c on c.tender_id = k.tender_id
 where k.id::text like 'f0000000-%';

set session_replication_role = origin;
select api.impact_rebuild();
analyze;
