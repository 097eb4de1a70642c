-- 0004_placements.sql - what a supplier reports under a contract (CONTRACT §6): placements (the
-- person only as an HMAC pseudonym, never a henkilötunnus), subcontracts, period reports; the last
-- known compliance status per clause, so that a change writes a compliance.changed event (§7, §9);
-- and their api.* functions. The §7 arithmetic is lib/domain/compliance.c: api.compliance_input
-- hands it everything in one round trip and api.compliance_record stores what it computed.

create table placements (
    id uuid primary key default gen_random_uuid(),
    contract_id uuid not null references contracts (id),
    -- lower-case hex HMAC-SHA256: by construction never a henkilötunnus (11 characters)
    person_ref char(64) not null check (person_ref ~ '^[0-9a-f]{64}$'),
    target_group text not null check (target_group in ('partially_able', 'long_term_unemployed', 'youth',
                                                       'disabled', 'immigrant', 'older_worker', 'other')),
    starts_on date not null,
    ends_on date,
    weekly_hours numeric(5, 2) not null check (weekly_hours > 0 and weekly_hours <= 80),
    employment_type text not null check (employment_type in ('permanent', 'fixed_term', 'apprenticeship',
                                                             'work_trial', 'wage_subsidised')),
    supports text[] not null default '{}' check (cardinality(supports) <= 3 and supports <@
        array['wage_subsidy', 'workplace_adjustment_subsidy', 'job_coach']),
    end_reason text check (end_reason in ('completed', 'resigned', 'dismissed', 'moved_to_open_market', 'other')),
    continued_employment boolean,
    created_at timestamptz not null default clock_timestamp(),
    updated_at timestamptz not null default clock_timestamp(),
    check (ends_on is null or ends_on >= starts_on)
);
create index placements_contract on placements (contract_id, created_at, id);
create index placements_person on placements (person_ref);

create table subcontracts (
    id uuid primary key default gen_random_uuid(),
    contract_id uuid not null references contracts (id),
    country char(3) not null default 'FIN' check (country ~ '^[A-Z]{3}$'),
    business_id text not null check (length(business_id) between 1 and 64),
    name text not null check (length(name) between 1 and 300),
    value numeric(18, 2) not null check (value >= 0),
    currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
    social_enterprise boolean not null default false,
    created_at timestamptz not null default clock_timestamp(),
    check (country <> 'FIN' or business_id ~ '^[0-9]{7}-[0-9]$')
);
create index subcontracts_contract on subcontracts (contract_id, created_at, id);

create table period_reports (
    id uuid primary key default gen_random_uuid(),
    contract_id uuid not null references contracts (id),
    period text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$'),
    note text check (length(note) <= 5000),
    given_by uuid references organizations (id),
    given_at timestamptz not null default clock_timestamp(),
    unique (contract_id, period)
);

-- The last status computed for each clause of each contract. evaluated_at is when the input of
-- that evaluation was read: an evaluation that read older data never overwrites a newer one.
create table clause_status (
    contract_id uuid not null references contracts (id) on delete cascade,
    clause_id uuid not null references clauses (id) on delete cascade,
    status text not null check (status in ('fulfilled', 'breached', 'not_started', 'on_track', 'at_risk', 'behind')),
    as_of date not null,
    evaluated_at timestamptz not null,
    updated_at timestamptz not null default clock_timestamp(),   -- when the status last changed
    primary key (contract_id, clause_id)
);

-- The contract p_id if the caller may see it for p_mode, else 404 (403 where the role may never):
--   report      only the contract's own supplier (placements, subcontracts, period reports)
--   placements  its supplier, its tender's buyer, admin; analysts and the centre never (403)
--   read        as GET /v1/contracts/{id} (api.contract_readable of 0003): its supplier, its
--               tender's buyer, staff; and 'system', the daemon itself (re-evaluation after
--               writes, the janitor)
create function api.contract_scoped(p_args jsonb, p_id uuid, p_mode text, p_what text default 'contract')
returns contracts language plpgsql stable as $$
declare
    k contracts;
    buyer uuid;
    org uuid := (p_args ->> '_org')::uuid;
    role text := coalesce(p_args ->> '_role', '');
    ok boolean;
begin
    select * into k from contracts where id = p_id;
    if not found then
        perform api.fail(404, 'no such ' || p_what);
    end if;
    select t.buyer_org_id into buyer from tenders t where t.id = k.tender_id;
    if p_mode = 'report' then
        ok := role = 'supplier' and k.supplier_org_id = org;
    elsif p_mode = 'placements' then
        if role in ('analyst', 'centre') then
            perform api.fail(403, 'placement rows and person references are not shown to this role');
        end if;
        ok := role = 'admin' or (role = 'supplier' and k.supplier_org_id = org) or (role = 'buyer' and buyer = org);
    elsif p_mode = 'read' then
        ok := role = 'system' or api.contract_readable(p_args, k.supplier_org_id, buyer);
    else
        perform api.fail(500, 'unknown scope');
    end if;
    if not coalesce(ok, false) then
        perform api.fail(404, 'no such ' || p_what);
    end if;
    return k;
end $$;

-- The clauses binding a contract: every clause of its tender without a lot, and those of its lot.
create function api.contract_clauses(k contracts) returns setof clauses
language sql stable as $$
    select c.* from clauses c
     where c.tender_id = k.tender_id and (c.lot_ref is null or c.lot_ref = k.lot_ref)
     order by c.created_at, c.id
$$;

create function api.day(p date) returns text
language sql immutable as $$ select to_char(p, 'YYYY-MM-DD') $$;

create function api.placement_json(p placements) returns jsonb
language sql stable as $$
    select jsonb_build_object('id', p.id, 'contract_id', p.contract_id, 'person_ref', p.person_ref,
        'target_group', p.target_group, 'starts_on', api.day(p.starts_on), 'ends_on', api.day(p.ends_on),
        'weekly_hours', trim_scale(p.weekly_hours), 'employment_type', p.employment_type,
        'supports', to_jsonb(p.supports), 'end_reason', p.end_reason,
        'continued_employment', p.continued_employment,
        'created_at', api.ts(p.created_at), 'updated_at', api.ts(p.updated_at))
$$;

create function api.subcontract_json(s subcontracts) returns jsonb
language sql stable as $$
    select jsonb_build_object('id', s.id, 'contract_id', s.contract_id, 'country', s.country,
        'business_id', s.business_id, 'name', s.name, 'value', api.money(trim_scale(s.value), s.currency),
        'social_enterprise', s.social_enterprise, 'created_at', api.ts(s.created_at))
$$;

create function api.period_report_json(r period_reports) returns jsonb
language sql stable as $$
    select jsonb_build_object('id', r.id, 'contract_id', r.contract_id, 'period', r.period, 'note', r.note,
        'given_at', api.ts(r.given_at))
$$;

-- Most placements one contract may hold: keeps one compliance computation bounded (hire_persons is
-- quadratic in the placements: about 0.3 s at this size on one core; the daemon's
-- COMPLIANCE_MAX_PLACEMENTS is the same number).
create function api.max_placements() returns int language sql immutable as $$ select 5000 $$;

-- POST /v1/contracts/{id}/placements. The daemon has validated the body and replaced the person
-- by person_ref; a henkilötunnus never arrives here.
create function api.placement_create(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    b jsonb := p_args -> 'body';
    k contracts;
    t tenders;
    p placements;
    v_starts date := (b ->> 'starts_on')::date;
    v_ends date := (b ->> 'ends_on')::date;
begin
    k := api.contract_scoped(p_args, (p_args ->> 'id')::uuid, 'report');
    if v_starts < k.starts_on then
        perform api.fail(422, 'must not be before the contract starts (' || api.day(k.starts_on) || ')', 'starts_on');
    end if;
    if v_starts > k.ends_on then
        perform api.fail(422, 'must not be after the contract ends (' || api.day(k.ends_on) || ')', 'starts_on');
    end if;
    if v_ends < v_starts then
        perform api.fail(422, 'must not be before starts_on', 'ends_on');
    end if;
    if (select count(*) from placements x where x.contract_id = k.id) >= api.max_placements() then
        perform api.fail(422, 'a contract holds at most ' || api.max_placements() || ' placements');
    end if;
    insert into placements (contract_id, person_ref, target_group, starts_on, ends_on, weekly_hours,
                            employment_type, supports)
    values (k.id, b ->> 'person_ref', b ->> 'target_group', v_starts, v_ends, (b ->> 'weekly_hours')::numeric,
            b ->> 'employment_type',
            array(select jsonb_array_elements_text(coalesce(b -> 'supports', '[]'::jsonb))))
    returning * into p;
    select * into t from tenders where id = k.tender_id;
    perform api.audit(p_args, 'create', 'placement', p.id, null, api.placement_json(p));
    perform api.emit('placement.reported', t.buyer_org_id, t.id,
                     api.placement_json(p) || jsonb_build_object('tender_id', t.id), true);
    status := 201;
    body := api.placement_json(p)::text;
end $$;

-- PATCH /v1/placements/{id}: ends_on, end_reason, continued_employment (absent = unchanged,
-- null = cleared). A patch that changes nothing writes nothing.
create function api.placement_update(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    b jsonb := p_args -> 'body';
    old placements;
    p placements;
    k contracts;
    t tenders;
    v_ends date;
begin
    select * into old from placements where id = (p_args ->> 'id')::uuid for update;
    if not found then
        perform api.fail(404, 'no such placement');
    end if;
    k := api.contract_scoped(p_args, old.contract_id, 'report', 'placement');
    v_ends := case when b ? 'ends_on' then (b ->> 'ends_on')::date else old.ends_on end;
    if v_ends < old.starts_on then
        perform api.fail(422, 'must not be before starts_on (' || api.day(old.starts_on) || ')', 'ends_on');
    end if;
    p := old;
    p.ends_on := v_ends;
    if b ? 'end_reason' then
        p.end_reason := b ->> 'end_reason';
    end if;
    if b ? 'continued_employment' then
        p.continued_employment := (b ->> 'continued_employment')::boolean;
    end if;
    if p is not distinct from old then
        status := 200;
        body := api.placement_json(old)::text;
        return;
    end if;
    update placements set ends_on = p.ends_on, end_reason = p.end_reason,
                          continued_employment = p.continued_employment, updated_at = clock_timestamp()
     where id = old.id returning * into p;
    select * into t from tenders where id = k.tender_id;
    perform api.audit(p_args, 'update', 'placement', p.id, api.placement_json(old), api.placement_json(p));
    perform api.emit('placement.updated', t.buyer_org_id, t.id,
                     api.placement_json(p) || jsonb_build_object('tender_id', t.id), true);
    status := 200;
    body := api.placement_json(p)::text;
end $$;

-- GET /v1/contracts/{id}/placements: by (created_at, id), cursor paginated.
create function api.placement_list(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
declare
    lim int := api.page_limit(p_args);
    k contracts;
    c record;
    items jsonb;
    last_at timestamptz;
    last_id uuid;
    n int;
begin
    k := api.contract_scoped(p_args, (p_args ->> 'id')::uuid, 'placements');
    select * into c from api.cursor_decode(p_args ->> 'cursor');
    select coalesce(jsonb_agg(api.placement_json(x) order by x.created_at, x.id), '[]'), count(*),
           (array_agg(x.created_at order by x.created_at desc, x.id desc))[1],
           (array_agg(x.id order by x.created_at desc, x.id desc))[1]
      into items, n, last_at, last_id
      from (select * from placements p
             where p.contract_id = k.id and (c.at is null or (p.created_at, p.id) > (c.at, c.id))
             order by p.created_at, p.id limit lim) x;
    status := 200;
    body := jsonb_build_object('items', items,
        'next_cursor', case when n = lim then api.cursor_encode(last_at, last_id) end)::text;
end $$;

-- POST /v1/contracts/{id}/subcontracts. The value is money in the contract's currency (the
-- default when the body names none).
create function api.subcontract_create(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    b jsonb := p_args -> 'body';
    k contracts;
    s subcontracts;
begin
    k := api.contract_scoped(p_args, (p_args ->> 'id')::uuid, 'report');
    if coalesce(b -> 'value' ->> 'currency', k.currency) <> k.currency then
        perform api.fail(422, 'must be the contract''s currency (' || k.currency || ')', 'value.currency');
    end if;
    insert into subcontracts (contract_id, country, business_id, name, value, currency, social_enterprise)
    values (k.id, coalesce(b ->> 'country', 'FIN'), b ->> 'business_id', b ->> 'name',
            (b -> 'value' ->> 'amount')::numeric, k.currency, coalesce((b ->> 'social_enterprise')::boolean, false))
    returning * into s;
    perform api.audit(p_args, 'create', 'subcontract', s.id, null, api.subcontract_json(s));
    status := 201;
    body := api.subcontract_json(s)::text;
end $$;

-- POST /v1/contracts/{id}/period-reports: one attestation per reporting period. The period must
-- have the rhythm of some clause binding the contract (a month "2026-10" for a monthly clause, a
-- quarter "2026-Q3" for a quarterly one) and lie within the contract's reporting periods (from
-- the one holding starts_on to the one holding ends_on). A second report for a period is a 409.
create function api.period_report_create(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    b jsonb := p_args -> 'body';
    per text := b ->> 'period';
    k contracts;
    rhythm text;
    p_start date;
    p_end date;
    r period_reports;
begin
    k := api.contract_scoped(p_args, (p_args ->> 'id')::uuid, 'report');
    if per ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' and substr(per, 1, 4) <> '0000' then
        rhythm := 'monthly';
        p_start := make_date(substr(per, 1, 4)::int, substr(per, 6, 2)::int, 1);
        p_end := (p_start + interval '1 month')::date - 1;
    elsif per ~ '^[0-9]{4}-Q[1-4]$' and substr(per, 1, 4) <> '0000' then
        rhythm := 'quarterly';
        p_start := make_date(substr(per, 1, 4)::int, (substr(per, 7, 1)::int - 1) * 3 + 1, 1);
        p_end := (p_start + interval '3 months')::date - 1;
    else
        perform api.fail(422, 'must be a month (YYYY-MM) or a quarter (YYYY-QN)', 'period');
    end if;
    if not exists (select 1 from api.contract_clauses(k) c where c.reporting = rhythm) then
        perform api.fail(422, 'no clause of this contract is reported ' || rhythm, 'period');
    end if;
    if p_end < k.starts_on or p_start > k.ends_on then
        perform api.fail(422, 'is not one of the contract''s reporting periods (' || api.day(k.starts_on) ||
                              ' to ' || api.day(k.ends_on) || ')', 'period');
    end if;
    if exists (select 1 from period_reports x where x.contract_id = k.id and x.period = per) then
        perform api.fail(409, 'the report for this period was given already', 'period');
    end if;
    insert into period_reports (contract_id, period, note, given_by)
    values (k.id, per, b ->> 'note', (p_args ->> '_org')::uuid)
    returning * into r;
    perform api.audit(p_args, 'create', 'period_report', r.id, null, api.period_report_json(r));
    status := 201;
    body := api.period_report_json(r)::text;
end $$;

-- Everything §7 needs about one contract, in one round trip, for the caller's scope ('read'):
-- the contract, the clauses binding it with the supplier's commitments, its placements (at most
-- max_placements() + 1 of them, so the daemon can tell when there are too many), subcontracts and
-- the periods reported. loaded_at orders evaluations for api.compliance_record.
create function api.compliance_input(p_args jsonb) returns jsonb
language plpgsql stable as $$
declare
    k contracts;
    t tenders;
begin
    k := api.contract_scoped(p_args, (p_args ->> 'id')::uuid, 'read');
    select * into t from tenders where id = k.tender_id;
    return jsonb_build_object(
        'loaded_at', to_char(statement_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'contract', jsonb_build_object('id', k.id, 'tender_id', k.tender_id, 'buyer_org_id', t.buyer_org_id,
            'supplier_org_id', k.supplier_org_id, 'starts_on', api.day(k.starts_on),
            'ends_on', api.day(k.ends_on), 'value', k.value, 'currency', k.currency),
        'clauses', coalesce((select jsonb_agg(jsonb_build_object('id', c.id, 'kind', c.kind,
                'target_groups', to_jsonb(c.target_groups), 'quantity', c.quantity,
                'min_months_per_person', c.min_months_per_person, 'min_weekly_hours', c.min_weekly_hours,
                'reporting', c.reporting, 'commitment', m.quantity) order by c.created_at, c.id)
            from api.contract_clauses(k) c
            left join commitments m on m.contract_id = k.id and m.clause_id = c.id), '[]'::jsonb),
        'placements', coalesce((select jsonb_agg(jsonb_build_object('person_ref', p.person_ref,
                'target_group', p.target_group, 'starts_on', api.day(p.starts_on), 'ends_on', api.day(p.ends_on),
                'weekly_hours', p.weekly_hours, 'employment_type', p.employment_type) order by p.created_at, p.id)
            from (select * from placements x where x.contract_id = k.id
                   order by x.created_at, x.id limit api.max_placements() + 1) p), '[]'::jsonb),
        'subcontracts', coalesce((select jsonb_agg(jsonb_build_object('value', s.value,
                'social_enterprise', s.social_enterprise) order by s.created_at, s.id)
            from subcontracts s where s.contract_id = k.id), '[]'::jsonb),
        'reports', coalesce((select jsonb_agg(r.period order by r.period)
            from period_reports r where r.contract_id = k.id), '[]'::jsonb));
end $$;

-- Store freshly computed statuses of one contract's clauses and write a compliance.changed
-- event for each clause whose status differs from the last one known (also for its first known
-- status: previous_status null). One statement, one transaction. p_args:
--   {contract_id, loaded_at, as_of, statuses: [{clause_id, kind, status, required, delivered, percent}]}
-- Evaluations of one contract serialise on its row; one that read its input before the stored
-- evaluation did is stale and skipped. Returns the number of events written.
create function api.compliance_record(p_args jsonb) returns int
language plpgsql as $$
declare
    v_contract uuid := (p_args ->> 'contract_id')::uuid;
    v_loaded timestamptz := (p_args ->> 'loaded_at')::timestamptz;
    v_as_of date := (p_args ->> 'as_of')::date;
    k contracts;
    t tenders;
    s record;
    prev clause_status;
    changed int := 0;
begin
    select * into k from contracts where id = v_contract for no key update;
    if not found then
        return 0;
    end if;
    select * into t from tenders where id = k.tender_id;
    for s in select x.* from jsonb_to_recordset(p_args -> 'statuses')
                 as x(clause_id uuid, kind text, status text, required numeric, delivered numeric, percent numeric)
              where exists (select 1 from clauses c where c.id = x.clause_id) loop
        select * into prev from clause_status where contract_id = v_contract and clause_id = s.clause_id;
        if not found then
            insert into clause_status (contract_id, clause_id, status, as_of, evaluated_at)
            values (v_contract, s.clause_id, s.status, v_as_of, v_loaded);
        elsif prev.evaluated_at > v_loaded then
            continue;
        elsif prev.status = s.status then
            update clause_status set as_of = v_as_of, evaluated_at = v_loaded
             where contract_id = v_contract and clause_id = s.clause_id;
            continue;
        else
            update clause_status set status = s.status, as_of = v_as_of, evaluated_at = v_loaded,
                                     updated_at = clock_timestamp()
             where contract_id = v_contract and clause_id = s.clause_id;
        end if;
        perform api.emit('compliance.changed', t.buyer_org_id, t.id, jsonb_build_object(
            'contract_id', v_contract, 'tender_id', t.id, 'clause_id', s.clause_id, 'kind', s.kind,
            'previous_status', prev.status, 'status', s.status, 'as_of', api.day(v_as_of),
            'required', s.required, 'delivered', s.delivered, 'percent', s.percent));
        changed := changed + 1;
    end loop;
    return changed;
end $$;

-- The janitor's walk: contracts running on p_today or ended within the last quarter (the longest
-- reporting period), by id after p_after, at most p_limit (1..1000).
create function api.janitor_contracts(p_today date, p_after uuid, p_limit int) returns table (contract_id uuid)
language sql stable as $$
    select c.id from contracts c
     where c.starts_on <= p_today and c.ends_on >= p_today - 92 and (p_after is null or c.id > p_after)
     order by c.id limit least(greatest(p_limit, 1), 1000)
$$;

-- Forget up to p_limit idempotency keys older than 48 hours (CONTRACT §2 keeps them 24 h at
-- least); returns how many went.
create function api.janitor_forget_keys(p_limit int) returns int
language plpgsql as $$
declare
    n int;
begin
    delete from idempotency_keys k
     using (select org_id, key from idempotency_keys
             where created_at < clock_timestamp() - interval '48 hours'
             order by created_at limit least(greatest(p_limit, 1), 100000)) d
     where k.org_id = d.org_id and k.key = d.key;
    get diagnostics n = row_count;
    return n;
end $$;
