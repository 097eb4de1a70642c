-- 0005_notices.sql - importing a notice (eForms or ClauseNotice, already parsed and validated
-- in C and handed over as JSON) in one transaction: buyer and supplier organisations matched
-- or created by business id, the tender of the procedure created or updated, lots, signals,
-- ClauseNotice clauses and contracts with commitments, award-notice winners as contracts, the
-- notice row, audit and outbox events. Idempotent on (notice id, version) and content.

-- Contracts created from award notices do not always state their period: the end may be unknown.
alter table contracts alter column ends_on drop not null;
-- ClauseNotice clauses keep their local key so a newer notice version updates them in place.
alter table clauses add column source_key text check (length(source_key) <= 200);
create unique index clauses_source_key on clauses (tender_id, source_key) where source_key is not null;

-- Find or create an organisation named by a notice. Finnish ones arrive with a valid Y-tunnus.
create function api.notice_org(p_org jsonb, p_kind text, p_args jsonb) returns uuid
language plpgsql as $$
declare
    oid uuid;
    v_country text := coalesce(p_org ->> 'country', 'FIN');
    o organizations;
begin
    if p_org ->> 'business_id' is not null then
        select id into oid from organizations where organizations.country = v_country
           and business_id = p_org ->> 'business_id';
    end if;
    if oid is null and p_org ->> 'business_id' is null then
        select id into oid from organizations where organizations.country = v_country
           and business_id is null and name = p_org ->> 'name' and kind = p_kind limit 1;
    end if;
    if oid is not null then
        return oid;
    end if;
    insert into organizations (name, kind, country, business_id, region, municipality_code)
    values (left(p_org ->> 'name', 300), p_kind, v_country, p_org ->> 'business_id',
            case when p_org ->> 'nuts' ~ '^[A-Z]{2}[A-Z0-9]{0,3}$' then p_org ->> 'nuts' end,
            p_org ->> 'municipality_code')
    returning * into o;
    perform api.audit(p_args, 'create', 'organization', o.id, null, api.org_json(o));
    return o.id;
end $$;

create function api.notice_import(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    n jsonb := p_args -> 'body';
    role text := p_args ->> '_role';
    caller uuid := (p_args ->> '_org')::uuid;
    buyer uuid;
    t tenders;
    existing notices;
    latest record;
    created boolean := false;
    changed boolean := true;
    is_award boolean := n ->> 'notice_type' = 'ContractAwardNotice';
    is_pin boolean := n ->> 'notice_type' = 'PriorInformationNotice';
    src text := case when n ->> 'format' = 'xml' then 'xml' else 'eforms' end;
    l jsonb;
    s jsonb;
    c jsonb;
    k jsonb;
    i int := 0;
    cid uuid;
    clid uuid;
    sup uuid;
    contract_ids uuid[] := '{}';
    before jsonb;
begin
    -- 1. the same notice id and version again: a no-op, or a conflict when the content differs
    select * into existing from notices where notice_id = n ->> 'notice_id' and version = n ->> 'version';
    if found then
        if existing.content_hash <> p_args ->> 'content_hash' then
            perform api.fail(409, 'notice ' || (n ->> 'notice_id') || ' version ' || (n ->> 'version') ||
                ' was imported before with different content', 'BT-701');
        end if;
        select * into t from tenders where id = existing.tender_id;
        if t.id is not null and role = 'buyer' and t.buyer_org_id <> caller then
            perform api.fail(403, 'this notice belongs to another buyer', 'BT-501');
        end if;
        changed := false;
    else
        -- 2. the buyer: a buyer may import only its own notices
        if role = 'buyer' then
            select id into buyer from organizations
             where id = caller and country = coalesce(n -> 'buyer' ->> 'country', 'FIN')
               and business_id is not distinct from n -> 'buyer' ->> 'business_id';
            if buyer is null then
                perform api.fail(403, 'the notice''s buyer (BT-501) is not your organisation', 'BT-501');
            end if;
        else
            buyer := api.notice_org(n -> 'buyer', 'buyer', p_args);
        end if;

        -- 3. the tender of the procedure (a planning notice without one: keyed by notice id)
        if n ->> 'procedure_id' is not null then
            select * into t from tenders where procedure_id = n ->> 'procedure_id' for update;
        else
            select * into t from tenders where procedure_id is null and notice_id = n ->> 'notice_id' for update;
        end if;
        if t.id is not null and t.buyer_org_id <> buyer then
            perform api.fail(409, 'procedure ' || coalesce(n ->> 'procedure_id', n ->> 'notice_id') ||
                ' belongs to another buyer''s tender', 'BT-04');
        end if;

        if t.id is null then
            insert into tenders (buyer_org_id, title, description, procedure_id, notice_id, nature, cpv,
                                 estimated_value, currency, region, municipality_code, deadline, status, source)
            values (buyer, left(n ->> 'title', 1000), left(n ->> 'description', 20000), n ->> 'procedure_id',
                    n ->> 'notice_id', n ->> 'nature', n ->> 'cpv', (n -> 'estimated_value' ->> 'amount')::numeric,
                    coalesce(n -> 'estimated_value' ->> 'currency', 'EUR'),
                    case when n -> 'buyer' ->> 'nuts' ~ '^[A-Z]{2}[A-Z0-9]{0,3}$' then n -> 'buyer' ->> 'nuts' end,
                    n -> 'buyer' ->> 'municipality_code', nullif(n ->> 'deadline', '')::date,
                    case when is_award then 'awarded' when is_pin then 'planned' else 'open' end, src)
            returning * into t;
            created := true;
        else
            -- a newer version (later issue date, or the same date and a higher version) updates the
            -- tender; an older one changes nothing
            select max(issue_date) as d, max(version_num) filter (where issue_date = (select max(issue_date)
                   from notices where tender_id = t.id)) as v into latest
              from (select issue_date, case when version ~ '^[0-9]{1,9}$' then version::int else 0 end as version_num
                      from notices where tender_id = t.id) x;
            if latest.d is not null and ((n ->> 'issue_date')::date < latest.d or
                    ((n ->> 'issue_date')::date = latest.d and (n ->> 'version_num')::int < latest.v)) then
                changed := false;
            else
                before := api.tender_json(t);
                if is_award then
                    update tenders tt set status = case when tt.status in ('cancelled', 'closed') then tt.status else 'awarded' end,
                           updated_at = clock_timestamp()
                     where tt.id = t.id returning * into t;
                else
                    update tenders tt set title = left(n ->> 'title', 1000), description = left(n ->> 'description', 20000),
                           notice_id = n ->> 'notice_id', nature = coalesce(n ->> 'nature', tt.nature),
                           cpv = coalesce(n ->> 'cpv', tt.cpv),
                           estimated_value = coalesce((n -> 'estimated_value' ->> 'amount')::numeric, tt.estimated_value),
                           currency = coalesce(n -> 'estimated_value' ->> 'currency', tt.currency),
                           deadline = coalesce(nullif(n ->> 'deadline', '')::date, tt.deadline),
                           status = case when tt.status = 'planned' and not is_pin then 'open' else tt.status end,
                           updated_at = clock_timestamp()
                     where tt.id = t.id returning * into t;
                    delete from tender_signals where tender_id = t.id;
                end if;
            end if;
        end if;

        if changed then
            -- 4. lots, signals, clauses, contracts
            for l in select * from jsonb_array_elements(coalesce(n -> 'lots', '[]')) loop
                i := i + 1;
                insert into lots (tender_id, lot_ref, title, cpv, estimated_value, position)
                values (t.id, l ->> 'lot_ref', left(l ->> 'title', 1000), l ->> 'cpv',
                        (l -> 'estimated_value' ->> 'amount')::numeric, i)
                on conflict (tender_id, lot_ref) do update set
                    title = coalesce(excluded.title, lots.title), cpv = coalesce(excluded.cpv, lots.cpv),
                    estimated_value = coalesce(excluded.estimated_value, lots.estimated_value);
            end loop;
            for s in select * from jsonb_array_elements(coalesce(n -> 'signals', '[]')) loop
                insert into tender_signals (tender_id, code, source, lot_ref, text)
                values (t.id, s ->> 'code', s ->> 'source', s ->> 'lot_ref', left(s ->> 'text', 2000))
                on conflict do nothing;
            end loop;
            for c in select * from jsonb_array_elements(coalesce(n -> 'clauses', '[]')) loop
                insert into clauses (tender_id, lot_ref, kind, target_groups, quantity, min_months_per_person,
                                     min_weekly_hours, reporting, sanction_eur, description, source_key)
                values (t.id, c ->> 'lot_ref', c ->> 'kind', array(select jsonb_array_elements_text(c -> 'target_groups')),
                        (c ->> 'quantity')::numeric, coalesce(nullif((c ->> 'min_months_per_person')::numeric, 0), 6),
                        coalesce((c ->> 'min_weekly_hours')::numeric, 0), coalesce(c ->> 'reporting', 'monthly'),
                        (c ->> 'sanction_eur')::numeric, c ->> 'description', c ->> 'key')
                on conflict (tender_id, source_key) where source_key is not null do update set
                    lot_ref = excluded.lot_ref, kind = excluded.kind, target_groups = excluded.target_groups,
                    quantity = excluded.quantity, min_months_per_person = excluded.min_months_per_person,
                    min_weekly_hours = excluded.min_weekly_hours, reporting = excluded.reporting,
                    sanction_eur = excluded.sanction_eur, description = excluded.description,
                    updated_at = clock_timestamp()
                returning id into clid;
                perform api.emit('clause.created', t.buyer_org_id, t.id,
                    jsonb_build_object('id', clid, 'tender_id', t.id, 'kind', c ->> 'kind'));
            end loop;
            for c in select * from jsonb_array_elements(coalesce(n -> 'contracts', '[]')) loop
                sup := api.notice_org(c -> 'supplier', 'supplier', p_args);
                select id into cid from contracts
                 where tender_id = t.id and coalesce(lot_ref, '') = coalesce(c ->> 'lot_ref', '')
                   and supplier_org_id = sup and coalesce(contract_ref, '') = coalesce(c ->> 'contract_ref', '');
                if cid is null then
                    insert into contracts (tender_id, lot_ref, supplier_org_id, contract_ref, signed_on, starts_on,
                                           ends_on, value, currency, source)
                    values (t.id, c ->> 'lot_ref', sup, c ->> 'contract_ref', nullif(c ->> 'signed_on', '')::date,
                            coalesce(nullif(c ->> 'starts_on', '')::date, nullif(c ->> 'signed_on', '')::date,
                                     (n ->> 'issue_date')::date),
                            nullif(c ->> 'ends_on', '')::date, (c -> 'value' ->> 'amount')::numeric,
                            coalesce(c -> 'value' ->> 'currency', 'EUR'), src)
                    returning id into cid;
                    perform api.audit(p_args, 'create', 'contract', cid, null, c);
                    perform api.emit('contract.created', t.buyer_org_id, t.id,
                        jsonb_build_object('id', cid, 'tender_id', t.id, 'lot_ref', c ->> 'lot_ref',
                                           'supplier_org_id', sup));
                end if;
                for k in select * from jsonb_array_elements(coalesce(c -> 'commitments', '[]')) loop
                    insert into commitments (contract_id, clause_id, quantity)
                    select cid, cl.id, (k ->> 'quantity')::numeric from clauses cl
                     where cl.tender_id = t.id and cl.source_key = k ->> 'clause_key'
                    on conflict (contract_id, clause_id) do update set quantity = excluded.quantity;
                end loop;
                contract_ids := contract_ids || cid;
            end loop;
            perform api.audit(p_args, case when created then 'create' else 'update' end, 'tender', t.id, before,
                              api.tender_json(t));
            if created then
                perform api.emit('tender.created', t.buyer_org_id, t.id, api.tender_json(t));
            end if;
        end if;

        -- 5. the notice itself (an older version changes nothing and is not recorded)
        if changed then
        insert into notices (notice_id, version, tender_id, format, notice_type, subtype, issue_date, content_hash,
                             imported_by)
        values (n ->> 'notice_id', n ->> 'version', t.id, src, n ->> 'notice_type', n ->> 'subtype',
                (n ->> 'issue_date')::date, p_args ->> 'content_hash', caller);
        end if;
    end if;

    if not changed or array_length(contract_ids, 1) is null then
        select coalesce(array_agg(id order by created_at, id), '{}') into contract_ids from contracts where tender_id = t.id;
    end if;
    status := case when created then 201 else 200 end;
    body := jsonb_build_object('tender_id', t.id, 'notice_id', n ->> 'notice_id', 'version', n ->> 'version',
        'notice_type', n ->> 'notice_type', 'changed', changed, 'created', created,
        'contracts', to_jsonb(contract_ids),
        'signals', coalesce((select jsonb_agg(jsonb_build_object('code', s2.code, 'source', s2.source,
                    'lot_ref', s2.lot_ref, 'text', s2.text) order by s2.lot_ref nulls first, s2.code)
                 from tender_signals s2 where s2.tender_id = t.id), '[]'))::text;
end $$;
