-- 0003_api_tenders.sql - the tenders, clauses and contracts API (CONTRACT §4-§6): one api.<name>
-- function per endpoint doing scope, the rules that need the database (lots, clauses, business
-- ids), the write, its audit row and its outbox event in one transaction. Field syntax was
-- checked in C first (services/clausetrackd/routes_{tenders,clauses,contracts}.c).
--
-- Scope (CONTRACT §3): admin, analyst and centre read everything; a buyer reads its own tenders
-- and what hangs on them; a supplier reads the contracts it holds and the tenders and clauses of
-- those contracts. Only admin and the tender's own buyer write. What a caller may not see is
-- "not found" (404), never "forbidden".

-- ---- scope ----------------------------------------------------------------------------------

create function api.is_staff(p_args jsonb) returns boolean
language sql immutable as $$ select coalesce(p_args ->> '_role' in ('admin', 'analyst', 'centre'), false) $$;

-- May the caller read the tender (id, buyer)?
create function api.tender_readable(p_args jsonb, p_tender uuid, p_buyer uuid) returns boolean
language sql stable as $$
    select coalesce(case p_args ->> '_role'
        when 'admin' then true
        when 'analyst' then true
        when 'centre' then true
        when 'buyer' then p_buyer = (p_args ->> '_org')::uuid
        when 'supplier' then exists (select 1 from contracts k where k.tender_id = p_tender
                                        and k.supplier_org_id = (p_args ->> '_org')::uuid)
        end, false)
$$;

-- May the caller change a tender of this buyer (and its clauses and contracts)?
create function api.tender_writable(p_args jsonb, p_buyer uuid) returns boolean
language sql immutable as $$
    select coalesce(p_args ->> '_role' = 'admin'
                    or (p_args ->> '_role' = 'buyer' and p_buyer = (p_args ->> '_org')::uuid), false)
$$;

-- May the caller read a contract of this supplier on a tender of this buyer?
create function api.contract_readable(p_args jsonb, p_supplier uuid, p_buyer uuid) returns boolean
language sql immutable as $$
    select coalesce(case p_args ->> '_role'
        when 'admin' then true
        when 'analyst' then true
        when 'centre' then true
        when 'buyer' then p_buyer = (p_args ->> '_org')::uuid
        when 'supplier' then p_supplier = (p_args ->> '_org')::uuid
        end, false)
$$;

-- The tender to read, or 404.
create function api.tender_for_read(p_args jsonb, p_id uuid) returns tenders
language plpgsql stable as $$
declare
    t tenders;
begin
    select * into t from tenders where id = p_id;
    if not found or not api.tender_readable(p_args, t.id, t.buyer_org_id) then
        perform api.fail(404, 'no such tender');
    end if;
    return t;
end $$;

-- The tender to change, locked until the transaction ends (clause and contract writes on one
-- tender serialise here); 404 when the caller cannot see it, 403 when it can but not change it.
create function api.tender_for_write(p_args jsonb, p_id uuid) returns tenders
language plpgsql as $$
declare
    t tenders;
begin
    select * into t from tenders where id = p_id for update;
    if not found or not api.tender_readable(p_args, t.id, t.buyer_org_id) then
        perform api.fail(404, 'no such tender');
    end if;
    if not api.tender_writable(p_args, t.buyer_org_id) then
        perform api.fail(403, 'your organisation may not change this tender');
    end if;
    return t;
end $$;

-- ---- representations ------------------------------------------------------------------------

create function api.tender_json(t tenders) returns jsonb
language sql stable as $$
    select jsonb_build_object(
        'id', t.id, 'buyer_org_id', t.buyer_org_id, 'title', t.title, 'description', t.description,
        'procedure_id', t.procedure_id, 'notice_id', t.notice_id, 'nature', t.nature, 'cpv', t.cpv,
        'estimated_value', api.money(t.estimated_value, t.currency), 'region', t.region,
        'municipality_code', t.municipality_code, 'deadline', t.deadline, 'status', t.status,
        'source', t.source, 'created_at', api.ts(t.created_at), 'updated_at', api.ts(t.updated_at),
        'lots', coalesce((select jsonb_agg(jsonb_build_object('lot_ref', l.lot_ref, 'title', l.title, 'cpv', l.cpv,
                    'estimated_value', api.money(l.estimated_value, t.currency)) order by l.position, l.lot_ref)
                 from lots l where l.tender_id = t.id), '[]'),
        'signals', coalesce((select jsonb_agg(jsonb_build_object('code', s.code, 'source', s.source,
                    'lot_ref', s.lot_ref, 'text', s.text) order by s.lot_ref nulls first, s.code, s.source)
                 from tender_signals s where s.tender_id = t.id), '[]'))
$$;

-- The unit of a clause kind's quantity (lib/domain/clause.c says the same).
create function api.clause_unit(p_kind text) returns text
language sql immutable as $$
    select case p_kind when 'hire_persons' then 'persons' when 'person_months' then 'person_months'
                       when 'apprenticeships' then 'contracts' when 'work_trials' then 'contracts'
                       when 'social_enterprise_share' then 'percent' end
$$;

create function api.clause_json(c clauses) returns jsonb
language sql stable as $$
    select jsonb_build_object('id', c.id, 'tender_id', c.tender_id, 'lot_ref', c.lot_ref, 'kind', c.kind,
        'unit', api.clause_unit(c.kind), 'target_groups', to_jsonb(c.target_groups),
        'quantity', trim_scale(c.quantity), 'min_months_per_person', trim_scale(c.min_months_per_person),
        'min_weekly_hours', trim_scale(c.min_weekly_hours), 'reporting', c.reporting,
        'sanction_eur', trim_scale(c.sanction_eur), 'description', c.description,
        'created_at', api.ts(c.created_at), 'updated_at', api.ts(c.updated_at))
$$;

create function api.contract_json(k contracts) returns jsonb
language sql stable as $$
    select jsonb_build_object('id', k.id, 'tender_id', k.tender_id, 'buyer_org_id', t.buyer_org_id,
        'lot_ref', k.lot_ref, 'supplier_org_id', k.supplier_org_id, 'supplier_name', o.name,
        'supplier_business_id', o.business_id, 'contract_ref', k.contract_ref, 'signed_on', k.signed_on,
        'starts_on', k.starts_on, 'ends_on', k.ends_on, 'value', api.money(k.value, k.currency),
        'commitments', coalesce((select jsonb_agg(jsonb_build_object('clause_id', m.clause_id,
                    'quantity', trim_scale(m.quantity)) order by cl.created_at, cl.id)
                 from commitments m join clauses cl on cl.id = m.clause_id where m.contract_id = k.id), '[]'),
        'source', k.source, 'created_at', api.ts(k.created_at))
      from tenders t, organizations o
     where t.id = k.tender_id and o.id = k.supplier_org_id
$$;

-- A list query's parameter that must be a UUID, or 400 naming it.
create function api.uuid_param(p_args jsonb, p_name text) returns uuid
language plpgsql immutable as $$
begin
    if not p_args ? p_name then
        return null;
    end if;
    if coalesce(p_args ->> p_name, '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        perform api.fail(400, p_name || ' must be a UUID', p_name);
    end if;
    return (p_args ->> p_name)::uuid;
end $$;

-- ---- tenders --------------------------------------------------------------------------------

-- Insert or update the lots of a tender from a JSON array (position = index).
create function api.tender_put_lots(p_tender uuid, p_lots jsonb) returns void
language sql as $$
    insert into lots (tender_id, lot_ref, title, cpv, estimated_value, position)
    select p_tender, x.e ->> 'lot_ref', x.e ->> 'title', x.e ->> 'cpv',
           (x.e -> 'estimated_value' ->> 'amount')::numeric, (x.i - 1)::int
      from jsonb_array_elements(case jsonb_typeof(p_lots) when 'array' then p_lots else '[]' end)
           with ordinality as x(e, i)
    on conflict (tender_id, lot_ref) do update set title = excluded.title, cpv = excluded.cpv,
        estimated_value = excluded.estimated_value, position = excluded.position
$$;

-- POST /v1/tenders. body: the normalised tender; "currency" is the one currency of its values.
-- A buyer's tender takes the buyer's region (and municipality, unless another region is given).
create function api.tender_create(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    b jsonb := p_args -> 'body';
    org uuid := (p_args ->> '_org')::uuid;
    buyer organizations;
    t tenders;
    v_region text;
begin
    if p_args ->> '_role' = 'admin' then
        select * into buyer from organizations where id = (b ->> 'buyer_org_id')::uuid;
        if buyer.id is null or buyer.kind <> 'buyer' then
            perform api.fail(422, 'must be the id of a buyer organisation', 'buyer_org_id');
        end if;
    elsif p_args ->> '_role' = 'buyer' then
        if b ->> 'buyer_org_id' is not null and (b ->> 'buyer_org_id')::uuid <> org then
            perform api.fail(422, 'a buyer creates tenders for its own organisation only', 'buyer_org_id');
        end if;
        select * into buyer from organizations where id = org;
    else
        perform api.fail(403, 'your organisation''s role may not create tenders');
    end if;
    if b ->> 'procedure_id' is not null and exists (select 1 from tenders where procedure_id = b ->> 'procedure_id') then
        perform api.fail(409, 'a tender with this procedure id exists already', 'procedure_id');
    end if;
    v_region := coalesce(b ->> 'region', buyer.region);
    insert into tenders (buyer_org_id, title, description, procedure_id, nature, cpv, estimated_value, currency,
                         region, municipality_code, deadline, status, source)
    values (buyer.id, b ->> 'title', b ->> 'description', b ->> 'procedure_id', b ->> 'nature', b ->> 'cpv',
            (b -> 'estimated_value' ->> 'amount')::numeric, coalesce(b ->> 'currency', 'EUR'), v_region,
            coalesce(b ->> 'municipality_code',
                     case when v_region is not distinct from buyer.region then buyer.municipality_code end),
            (b ->> 'deadline')::date, coalesce(b ->> 'status', 'open'), 'api')
    returning * into t;
    perform api.tender_put_lots(t.id, b -> 'lots');
    body := api.tender_json(t)::text;
    perform api.audit(p_args, 'create', 'tender', t.id, null, body::jsonb);
    perform api.emit('tender.created', t.buyer_org_id, t.id, body::jsonb);
    status := 201;
end $$;

create function api.tender_get(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
begin
    status := 200;
    body := api.tender_json(api.tender_for_read(p_args, (p_args ->> 'id')::uuid))::text;
end $$;

-- GET /v1/tenders: what the caller may see, oldest first, filtered by
--   region       NUTS code or a prefix of one (FI1D: every region of Itä-Suomi)
--   year         the deadline's year, or the creation year (UTC) of a tender without a deadline
--   has_clauses  true | false
--   status       planned | open | awarded | cancelled | closed
--   signal       a signal code ("employment-condition"), or a code's prefix before ':'
--                ("social-objective" matches "social-objective:opp")
--   buyer_org_id a buyer organisation
create function api.tender_list(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
declare
    lim int := api.page_limit(p_args);
    c record;
    f_region text := p_args ->> 'region';
    f_year int;
    f_has boolean;
    f_status text := p_args ->> 'status';
    f_signal text := p_args ->> 'signal';
    f_buyer uuid := api.uuid_param(p_args, 'buyer_org_id');
    ids uuid[];
    items jsonb;
    v_next text;
begin
    select * into c from api.cursor_decode(p_args ->> 'cursor');
    if p_args ? 'region' and coalesce(f_region, '') !~ '^[A-Z]{2}[A-Z0-9]{0,3}$' then
        perform api.fail(400, 'region must be a NUTS code such as FI1D3, or the start of one', 'region');
    end if;
    if p_args ? 'year' then
        if coalesce(p_args ->> 'year', '') !~ '^[0-9]{4}$' then
            perform api.fail(400, 'year must be a year such as 2026', 'year');
        end if;
        f_year := (p_args ->> 'year')::int;
    end if;
    if p_args ? 'has_clauses' then
        if coalesce(p_args ->> 'has_clauses', '') not in ('true', 'false') then
            perform api.fail(400, 'has_clauses must be true or false', 'has_clauses');
        end if;
        f_has := (p_args ->> 'has_clauses')::boolean;
    end if;
    if p_args ? 'status' and coalesce(f_status, '') not in ('planned', 'open', 'awarded', 'cancelled', 'closed') then
        perform api.fail(400, 'status must be one of planned, open, awarded, cancelled, closed', 'status');
    end if;
    if p_args ? 'signal' and coalesce(length(f_signal), 0) not between 1 and 100 then
        perform api.fail(400, 'signal must be a signal code such as employment-condition', 'signal');
    end if;
    select array_agg(x.id order by x.created_at, x.id) into ids from (
        select t.id, t.created_at from tenders t
         where api.tender_readable(p_args, t.id, t.buyer_org_id)
           and (c.at is null or (t.created_at, t.id) > (c.at, c.id))
           and (f_region is null or left(t.region, length(f_region)) = f_region)
           and (f_year is null
                or extract(year from coalesce(t.deadline, (t.created_at at time zone 'UTC')::date)) = f_year)
           and (f_has is null or f_has = exists (select 1 from clauses cl where cl.tender_id = t.id))
           and (f_status is null or t.status = f_status)
           and (f_signal is null or exists (select 1 from tender_signals s where s.tender_id = t.id
                    and (s.code = f_signal or left(s.code, length(f_signal) + 1) = f_signal || ':')))
           and (f_buyer is null or t.buyer_org_id = f_buyer)
         order by t.created_at, t.id
         limit lim + 1) x;
    if coalesce(cardinality(ids), 0) > lim then
        select api.cursor_encode(t.created_at, t.id) into v_next from tenders t where t.id = ids[lim];
        ids := ids[1:lim];
    end if;
    select coalesce(jsonb_agg(api.tender_json(t) order by t.created_at, t.id), '[]') into items
      from tenders t where t.id = any(ids);
    status := 200;
    body := jsonb_build_object('items', items, 'next_cursor', v_next)::text;
end $$;

-- PATCH /v1/tenders/{id}: merge-patch of the normalised body. "lots", when given, is the new
-- list: lots are updated in place, added, and removed unless a clause or contract refers to
-- them (409). "currency" (with "currency_field", the path that set it) is the currency of the
-- values given; values kept from before must share it.
create function api.tender_patch(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    b jsonb := p_args -> 'body';
    t tenders := api.tender_for_write(p_args, (p_args ->> 'id')::uuid);
    before jsonb := api.tender_json(t);
    after jsonb;
    v_ref text;
begin
    if b ->> 'procedure_id' is not null and b ->> 'procedure_id' is distinct from t.procedure_id
       and exists (select 1 from tenders where procedure_id = b ->> 'procedure_id') then
        perform api.fail(409, 'a tender with this procedure id exists already', 'procedure_id');
    end if;
    if b ->> 'currency' is not null and b ->> 'currency' <> t.currency and (
           (not b ? 'estimated_value' and t.estimated_value is not null)
        or (not b ? 'lots' and exists (select 1 from lots l where l.tender_id = t.id and l.estimated_value is not null))) then
        perform api.fail(422, format('must be %s, the currency of the tender''s other values', t.currency),
                         coalesce(b ->> 'currency_field', 'estimated_value.currency'));
    end if;
    if b ? 'lots' then
        select l.lot_ref into v_ref from lots l
         where l.tender_id = t.id
           and l.lot_ref not in (select e ->> 'lot_ref' from jsonb_array_elements(b -> 'lots') e)
           and (exists (select 1 from clauses cl where cl.tender_id = t.id and cl.lot_ref = l.lot_ref)
                or exists (select 1 from contracts k where k.tender_id = t.id and k.lot_ref = l.lot_ref))
         order by l.position, l.lot_ref
         limit 1;
        if v_ref is not null then
            perform api.fail(409, format('lot %s has clauses or contracts: it cannot be removed', v_ref), 'lots');
        end if;
        delete from lots l
         where l.tender_id = t.id
           and l.lot_ref not in (select e ->> 'lot_ref' from jsonb_array_elements(b -> 'lots') e);
        perform api.tender_put_lots(t.id, b -> 'lots');
    end if;
    update tenders tt set
        title = case when b ? 'title' then b ->> 'title' else tt.title end,
        description = case when b ? 'description' then b ->> 'description' else description end,
        procedure_id = case when b ? 'procedure_id' then b ->> 'procedure_id' else procedure_id end,
        nature = case when b ? 'nature' then b ->> 'nature' else nature end,
        cpv = case when b ? 'cpv' then b ->> 'cpv' else cpv end,
        estimated_value = case when b ? 'estimated_value' then (b -> 'estimated_value' ->> 'amount')::numeric
                               else estimated_value end,
        currency = coalesce(b ->> 'currency', currency),
        region = case when b ? 'region' then b ->> 'region' else region end,
        municipality_code = case when b ? 'municipality_code' then b ->> 'municipality_code' else municipality_code end,
        deadline = case when b ? 'deadline' then (b ->> 'deadline')::date else deadline end,
        status = case when b ? 'status' then b ->> 'status' else tt.status end
     where tt.id = t.id
    returning * into t;
    after := api.tender_json(t);
    if after is distinct from before then
        update tenders set updated_at = clock_timestamp() where id = t.id returning * into t;
        after := api.tender_json(t);
        perform api.audit(p_args, 'update', 'tender', t.id, before, after);
    end if;
    status := 200;
    body := after::text;
end $$;

-- ---- clauses --------------------------------------------------------------------------------

-- The rules of a clause that depend on its kind, for a whole (possibly patched) record.
create function api.clause_check(c clauses) returns void
language plpgsql as $$
begin
    if c.kind = 'social_enterprise_share' and c.quantity > 100 then
        perform api.fail(422, 'must be at most 100 (percent of the contract value)', 'quantity');
    end if;
    if c.kind in ('hire_persons', 'apprenticeships', 'work_trials') and c.quantity <> trunc(c.quantity) then
        perform api.fail(422, 'must be a whole number for ' || c.kind, 'quantity');
    end if;
end $$;

-- The clause to read or (p_write) change, with its tender locked; 404 when the caller cannot
-- see its tender.
create function api.clause_for(p_args jsonb, p_id uuid, p_write boolean) returns clauses
language plpgsql as $$
declare
    c clauses;
    t tenders;
begin
    select * into c from clauses where id = p_id;
    if c.id is not null then
        if p_write then
            select * into t from tenders where id = c.tender_id for update;
            select * into c from clauses where id = p_id;  -- as it is now that the tender is ours
        else
            select * into t from tenders where id = c.tender_id;
        end if;
    end if;
    if c.id is null or not api.tender_readable(p_args, t.id, t.buyer_org_id) then
        perform api.fail(404, 'no such clause');
    end if;
    if p_write and not api.tender_writable(p_args, t.buyer_org_id) then
        perform api.fail(403, 'your organisation may not change this clause');
    end if;
    return c;
end $$;

-- POST /v1/tenders/{id}/clauses
create function api.clause_create(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    b jsonb := p_args -> 'body';
    t tenders := api.tender_for_write(p_args, (p_args ->> 'id')::uuid);
    c clauses;
begin
    if b ->> 'lot_ref' is not null
       and not exists (select 1 from lots where tender_id = t.id and lot_ref = b ->> 'lot_ref') then
        perform api.fail(422, 'is not a lot of this tender', 'lot_ref');
    end if;
    c.kind := b ->> 'kind';
    c.quantity := (b ->> 'quantity')::numeric;
    perform api.clause_check(c);
    insert into clauses (tender_id, lot_ref, kind, target_groups, quantity, min_months_per_person, min_weekly_hours,
                         reporting, sanction_eur, description)
    values (t.id, b ->> 'lot_ref', b ->> 'kind', array(select jsonb_array_elements_text(b -> 'target_groups')),
            (b ->> 'quantity')::numeric, coalesce((b ->> 'min_months_per_person')::numeric, 6),
            coalesce((b ->> 'min_weekly_hours')::numeric, 0), coalesce(b ->> 'reporting', 'monthly'),
            (b ->> 'sanction_eur')::numeric, b ->> 'description')
    returning * into c;
    body := api.clause_json(c)::text;
    perform api.audit(p_args, 'create', 'clause', c.id, null, body::jsonb);
    perform api.emit('clause.created', t.buyer_org_id, t.id, body::jsonb);
    status := 201;
end $$;

-- GET /v1/tenders/{id}/clauses
create function api.clause_list(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
declare
    lim int := api.page_limit(p_args);
    c record;
    t tenders := api.tender_for_read(p_args, (p_args ->> 'id')::uuid);
    ids uuid[];
    items jsonb;
    v_next text;
begin
    select * into c from api.cursor_decode(p_args ->> 'cursor');
    select array_agg(x.id order by x.created_at, x.id) into ids from (
        select cl.id, cl.created_at from clauses cl
         where cl.tender_id = t.id and (c.at is null or (cl.created_at, cl.id) > (c.at, c.id))
         order by cl.created_at, cl.id
         limit lim + 1) x;
    if coalesce(cardinality(ids), 0) > lim then
        select api.cursor_encode(cl.created_at, cl.id) into v_next from clauses cl where cl.id = ids[lim];
        ids := ids[1:lim];
    end if;
    select coalesce(jsonb_agg(api.clause_json(cl) order by cl.created_at, cl.id), '[]') into items
      from clauses cl where cl.id = any(ids);
    status := 200;
    body := jsonb_build_object('items', items, 'next_cursor', v_next)::text;
end $$;

-- GET /v1/clauses/{id}
create function api.clause_get(p_args jsonb, out status int, out body text)
language plpgsql as $$
begin
    status := 200;
    body := api.clause_json(api.clause_for(p_args, (p_args ->> 'id')::uuid, false))::text;
end $$;

-- PATCH /v1/clauses/{id}: merge-patch. Once the tender has a contract, the clause keeps its
-- kind and lot, and its quantity may not rise above what a supplier committed to (409).
create function api.clause_patch(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    b jsonb := p_args -> 'body';
    c clauses := api.clause_for(p_args, (p_args ->> 'id')::uuid, true);
    before jsonb := api.clause_json(c);
    after jsonb;
    old_kind text := c.kind;
    old_lot text := c.lot_ref;
    has_contract boolean;
    least_commitment numeric;
begin
    if b ? 'lot_ref' then c.lot_ref := b ->> 'lot_ref'; end if;
    if b ? 'kind' then c.kind := b ->> 'kind'; end if;
    if b ? 'target_groups' then
        c.target_groups := array(select jsonb_array_elements_text(b -> 'target_groups'));
    end if;
    if b ? 'quantity' then c.quantity := (b ->> 'quantity')::numeric; end if;
    if b ? 'min_months_per_person' then c.min_months_per_person := (b ->> 'min_months_per_person')::numeric; end if;
    if b ? 'min_weekly_hours' then c.min_weekly_hours := (b ->> 'min_weekly_hours')::numeric; end if;
    if b ? 'reporting' then c.reporting := b ->> 'reporting'; end if;
    if b ? 'sanction_eur' then c.sanction_eur := (b ->> 'sanction_eur')::numeric; end if;
    if b ? 'description' then c.description := b ->> 'description'; end if;
    has_contract := exists (select 1 from contracts k where k.tender_id = c.tender_id);
    if has_contract and c.kind <> old_kind then
        perform api.fail(409, 'the tender has a contract: the clause''s kind can no longer change', 'kind');
    end if;
    if has_contract and c.lot_ref is distinct from old_lot then
        perform api.fail(409, 'the tender has a contract: the clause''s lot can no longer change', 'lot_ref');
    end if;
    if c.lot_ref is distinct from old_lot and c.lot_ref is not null
       and not exists (select 1 from lots where tender_id = c.tender_id and lot_ref = c.lot_ref) then
        perform api.fail(422, 'is not a lot of this tender', 'lot_ref');
    end if;
    perform api.clause_check(c);
    select min(m.quantity) into least_commitment from commitments m where m.clause_id = c.id;
    if c.quantity > least_commitment then
        perform api.fail(409, format('must not exceed %s, what a supplier has committed to', trim_scale(least_commitment)),
                         'quantity');
    end if;
    update clauses set lot_ref = c.lot_ref, kind = c.kind, target_groups = c.target_groups, quantity = c.quantity,
                       min_months_per_person = c.min_months_per_person, min_weekly_hours = c.min_weekly_hours,
                       reporting = c.reporting, sanction_eur = c.sanction_eur, description = c.description
     where id = c.id
    returning * into c;
    after := api.clause_json(c);
    if after is distinct from before then
        update clauses set updated_at = clock_timestamp() where id = c.id returning * into c;
        after := api.clause_json(c);
        perform api.audit(p_args, 'update', 'clause', c.id, before, after);
    end if;
    status := 200;
    body := after::text;
end $$;

-- DELETE /v1/clauses/{id}: only while the tender has no contract (409).
create function api.clause_delete(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    c clauses := api.clause_for(p_args, (p_args ->> 'id')::uuid, true);
begin
    if exists (select 1 from contracts k where k.tender_id = c.tender_id) then
        perform api.fail(409, 'the tender has a contract: its clauses can no longer be deleted');
    end if;
    delete from clauses where id = c.id;
    perform api.audit(p_args, 'delete', 'clause', c.id, api.clause_json(c), null);
    status := 204;
    body := '';
end $$;

-- ---- contracts ------------------------------------------------------------------------------

-- POST /v1/tenders/{id}/contracts. The supplier is found by its Y-tunnus, or created (as a
-- Finnish supplier named supplier_name) when it is not known yet. Each commitment names a
-- clause of this tender binding this contract's lot and commits to at least its quantity.
create function api.contract_create(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    b jsonb := p_args -> 'body';
    t tenders := api.tender_for_write(p_args, (p_args ->> 'id')::uuid);
    sup organizations;
    cl clauses;
    k contracts;
    m record;
    v_path text;
begin
    if t.status = 'cancelled' then
        perform api.fail(409, 'the tender is cancelled');
    end if;
    if b ->> 'lot_ref' is not null
       and not exists (select 1 from lots where tender_id = t.id and lot_ref = b ->> 'lot_ref') then
        perform api.fail(422, 'is not a lot of this tender', 'lot_ref');
    end if;
    select * into sup from organizations where country = 'FIN' and business_id = b ->> 'supplier_business_id';
    if sup.id is not null and sup.kind <> 'supplier' then
        perform api.fail(422, 'belongs to an organisation that is not a supplier', 'supplier_business_id');
    end if;
    if sup.id is null and b ->> 'supplier_name' is null then
        perform api.fail(422, 'is required for a supplier that is not known yet', 'supplier_name');
    end if;
    for m in select x.e, x.i from jsonb_array_elements(coalesce(b -> 'commitments', '[]')) with ordinality as x(e, i) loop
        v_path := format('commitments[%s]', m.i - 1);
        select * into cl from clauses where id = (m.e ->> 'clause_id')::uuid and tender_id = t.id;
        if cl.id is null then
            perform api.fail(422, 'is not a clause of this tender', v_path || '.clause_id');
        end if;
        if cl.lot_ref is not null and cl.lot_ref is distinct from b ->> 'lot_ref' then
            perform api.fail(422, format('binds lot %s, not this contract', cl.lot_ref), v_path || '.clause_id');
        end if;
        if (m.e ->> 'quantity')::numeric < cl.quantity then
            perform api.fail(422, format('must be at least %s, the clause''s quantity', trim_scale(cl.quantity)),
                             v_path || '.quantity');
        end if;
        if cl.kind in ('hire_persons', 'apprenticeships', 'work_trials')
           and (m.e ->> 'quantity')::numeric <> trunc((m.e ->> 'quantity')::numeric) then
            perform api.fail(422, 'must be a whole number for ' || cl.kind, v_path || '.quantity');
        end if;
        if cl.kind = 'social_enterprise_share' and (m.e ->> 'quantity')::numeric > 100 then
            perform api.fail(422, 'must be at most 100 (percent of the contract value)', v_path || '.quantity');
        end if;
    end loop;
    if sup.id is not null and exists (select 1 from contracts k2
            where k2.tender_id = t.id and coalesce(k2.lot_ref, '') = coalesce(b ->> 'lot_ref', '')
              and k2.supplier_org_id = sup.id and coalesce(k2.contract_ref, '') = coalesce(b ->> 'contract_ref', '')) then
        perform api.fail(409, 'this supplier has a contract with this reference on this tender (and lot) already',
                         'contract_ref');
    end if;
    if sup.id is null then
        insert into organizations (name, kind, country, business_id)
        values (b ->> 'supplier_name', 'supplier', 'FIN', b ->> 'supplier_business_id')
        on conflict (country, business_id) where business_id is not null do nothing
        returning * into sup;
        if sup.id is null then
            -- created by a concurrent request a moment ago: use it (the checks above hold for it)
            select * into sup from organizations where country = 'FIN' and business_id = b ->> 'supplier_business_id';
            if sup.kind <> 'supplier' then
                perform api.fail(422, 'belongs to an organisation that is not a supplier', 'supplier_business_id');
            end if;
        else
            perform api.audit(p_args, 'create', 'organization', sup.id, null, api.org_json(sup));
        end if;
    end if;
    insert into contracts (tender_id, lot_ref, supplier_org_id, contract_ref, signed_on, starts_on, ends_on, value,
                           currency, source)
    values (t.id, b ->> 'lot_ref', sup.id, b ->> 'contract_ref', (b ->> 'signed_on')::date, (b ->> 'starts_on')::date,
            (b ->> 'ends_on')::date, (b -> 'value' ->> 'amount')::numeric, coalesce(b -> 'value' ->> 'currency', 'EUR'),
            'api')
    returning * into k;
    insert into commitments (contract_id, clause_id, quantity)
    select k.id, (e ->> 'clause_id')::uuid, (e ->> 'quantity')::numeric
      from jsonb_array_elements(coalesce(b -> 'commitments', '[]')) e;
    body := api.contract_json(k)::text;
    perform api.audit(p_args, 'create', 'contract', k.id, null, body::jsonb);
    perform api.emit('contract.created', t.buyer_org_id, t.id, body::jsonb);
    status := 201;
end $$;

-- GET /v1/contracts/{id}
create function api.contract_get(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
declare
    k contracts;
    buyer uuid;
begin
    select * into k from contracts where id = (p_args ->> 'id')::uuid;
    select t.buyer_org_id into buyer from tenders t where t.id = k.tender_id;
    if k.id is null or not api.contract_readable(p_args, k.supplier_org_id, buyer) then
        perform api.fail(404, 'no such contract');
    end if;
    status := 200;
    body := api.contract_json(k)::text;
end $$;

-- GET /v1/contracts: a supplier's own, a buyer's on its tenders, everything for staff; oldest
-- first; filters tender_id and supplier_org_id.
create function api.contract_list(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
declare
    lim int := api.page_limit(p_args);
    c record;
    f_tender uuid := api.uuid_param(p_args, 'tender_id');
    f_supplier uuid := api.uuid_param(p_args, 'supplier_org_id');
    ids uuid[];
    items jsonb;
    v_next text;
begin
    select * into c from api.cursor_decode(p_args ->> 'cursor');
    select array_agg(x.id order by x.created_at, x.id) into ids from (
        select k.id, k.created_at from contracts k join tenders t on t.id = k.tender_id
         where api.contract_readable(p_args, k.supplier_org_id, t.buyer_org_id)
           and (c.at is null or (k.created_at, k.id) > (c.at, c.id))
           and (f_tender is null or k.tender_id = f_tender)
           and (f_supplier is null or k.supplier_org_id = f_supplier)
         order by k.created_at, k.id
         limit lim + 1) x;
    if coalesce(cardinality(ids), 0) > lim then
        select api.cursor_encode(k.created_at, k.id) into v_next from contracts k where k.id = ids[lim];
        ids := ids[1:lim];
    end if;
    select coalesce(jsonb_agg(api.contract_json(k) order by k.created_at, k.id), '[]') into items
      from contracts k where k.id = any(ids);
    status := 200;
    body := jsonb_build_object('items', items, 'next_cursor', v_next)::text;
end $$;
