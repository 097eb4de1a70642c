-- 0007_ocds.sql - the OCDS 1.1 export (CONTRACT §10, docs/ocds.md): immutable releases written
-- by triggers in the transaction of the change (a tender release when a tender, its lots, signals,
-- clauses or notices change; award+contract when a contract is made; implementationUpdate when its
-- placements or subcontracts change), at most one per subject and kind per transaction, and
-- api.ocds_releases, the feed, which serves only what no running transaction can still precede.

create schema if not exists ocds;

-- One row per release. Stored prefix-free: the ocid is 'ocds-' || ocds_prefix || '-' || tender_id,
-- put together when served, so a new prefix never rewrites history. release holds the release
-- without ocid, id, date and tag (the columns); implementation observations keep the number of
-- persons they count in "_persons", which api.ocds_releases turns into suppression and drops.
-- txid orders the feed: a transaction that commits late still has the xid it started writing with.
create table ocds_releases (
    id bigserial primary key,
    txid xid8 not null default pg_current_xact_id(),
    tender_id uuid not null,
    contract_id uuid,
    kind text not null check (kind in ('tender', 'contract', 'implementation')),
    release_id text generated always as (kind || '-' || id::text) stored unique,
    tag text[] not null check (cardinality(tag) between 1 and 4),
    date timestamptz not null default clock_timestamp(),
    release jsonb not null check (jsonb_typeof(release) = 'object'),
    created_at timestamptz not null default clock_timestamp(),
    check ((kind = 'tender') = (contract_id is null))
);
create index ocds_releases_feed on ocds_releases (txid, id);
create index ocds_releases_subject on ocds_releases (kind, (coalesce(contract_id, tender_id)), date desc, id desc);
create index ocds_releases_tender on ocds_releases (tender_id);

-- What changed in the running transaction and needs a release at commit: (kind, subject) with
-- subject a tender id (kind tender) or a contract id (contract, implementation). A row lives only
-- inside its transaction: the deferred trigger below builds the release and deletes it.
create table ocds_pending (
    txid xid8 not null default pg_current_xact_id(),
    kind text not null check (kind in ('tender', 'contract', 'implementation')),
    subject uuid not null,
    primary key (txid, kind, subject)
);

-- Committed releases never change. The transaction that wrote a release may still revise or
-- drop it before it commits (the debounce in ocds.store does).
create function ocds.releases_immutable() returns trigger
language plpgsql as $$
begin
    if tg_op = 'TRUNCATE' then
        raise exception 'OCDS releases are immutable';
    end if;
    if old.txid <> pg_current_xact_id() then
        raise exception 'OCDS release % is immutable', old.release_id;
    end if;
    if tg_op = 'DELETE' then
        return old;
    end if;
    if new.id <> old.id or new.txid <> old.txid or new.kind <> old.kind or new.tender_id <> old.tender_id
       or new.contract_id is distinct from old.contract_id then
        raise exception 'OCDS release % may change its content only', old.release_id;
    end if;
    return new;
end $$;
create trigger ocds_releases_immutable before update or delete on ocds_releases
    for each row execute function ocds.releases_immutable();
create trigger ocds_releases_no_truncate before truncate on ocds_releases
    for each statement execute function ocds.releases_immutable();

-- ---- small mappings --------------------------------------------------------------------------

create function ocds.day_start(p date) returns text
language sql immutable as $$ select to_char(p, 'YYYY-MM-DD') || 'T00:00:00Z' $$;

create function ocds.day_end(p date) returns text
language sql immutable as $$ select to_char(p, 'YYYY-MM-DD') || 'T23:59:59Z' $$;

create function ocds.period(p_start date, p_end date) returns jsonb
language sql immutable as $$
    select nullif(jsonb_strip_nulls(jsonb_build_object('startDate', ocds.day_start(p_start),
                                                       'endDate', ocds.day_end(p_end))), '{}')
$$;

create function ocds.value(p_amount numeric, p_currency text) returns jsonb
language sql immutable as $$
    select case when p_amount is not null
                then jsonb_build_object('amount', trim_scale(p_amount), 'currency', coalesce(p_currency, 'EUR')) end
$$;

create function ocds.today() returns date
language sql stable as $$ select (clock_timestamp() at time zone 'UTC')::date $$;

-- tenders.status -> the closed tenderStatus codelist.
create function ocds.tender_status(p text) returns text
language sql immutable as $$
    select case p when 'planned' then 'planned' when 'open' then 'active' when 'awarded' then 'complete'
                  when 'cancelled' then 'cancelled' when 'closed' then 'complete' end
$$;

create function ocds.category(p text) returns text
language sql immutable as $$
    select case p when 'works' then 'works' when 'services' then 'services' when 'supplies' then 'goods' end
$$;

-- ISO 3166-1 alpha-3 (as eForms writes it) -> Address.countryName; the code itself when unlisted.
create function ocds.country_name(p text) returns text
language sql immutable as $$
    select case p
        when 'FIN' then 'Finland' when 'SWE' then 'Sweden' when 'NOR' then 'Norway' when 'DNK' then 'Denmark'
        when 'ISL' then 'Iceland' when 'EST' then 'Estonia' when 'LVA' then 'Latvia' when 'LTU' then 'Lithuania'
        when 'DEU' then 'Germany' when 'POL' then 'Poland' when 'NLD' then 'Netherlands' when 'BEL' then 'Belgium'
        when 'LUX' then 'Luxembourg' when 'FRA' then 'France' when 'ESP' then 'Spain' when 'PRT' then 'Portugal'
        when 'ITA' then 'Italy' when 'AUT' then 'Austria' when 'CHE' then 'Switzerland' when 'CZE' then 'Czechia'
        when 'SVK' then 'Slovakia' when 'SVN' then 'Slovenia' when 'HUN' then 'Hungary' when 'HRV' then 'Croatia'
        when 'ROU' then 'Romania' when 'BGR' then 'Bulgaria' when 'GRC' then 'Greece' when 'CYP' then 'Cyprus'
        when 'MLT' then 'Malta' when 'IRL' then 'Ireland' when 'GBR' then 'United Kingdom' when 'LIE' then 'Liechtenstein'
        else p end
$$;

-- A party's id: FI-PRO-<Y-tunnus> (org-id.guide's scheme for the Finnish Patent and Registration
-- Office's business ids) for Finnish organisations, else the organisation's UUID.
create function ocds.party_id(o organizations) returns text
language sql immutable as $$
    select case when o.country = 'FIN' and o.business_id is not null then 'FI-PRO-' || o.business_id
                else o.id::text end
$$;

create function ocds.party(o organizations, p_roles text[]) returns jsonb
language sql immutable as $$
    select jsonb_strip_nulls(jsonb_build_object(
        'id', ocds.party_id(o),
        'name', o.name,
        'identifier', case when o.business_id is not null then jsonb_build_object(
            'scheme', case when o.country = 'FIN' then 'FI-PRO' end, 'id', o.business_id, 'legalName', o.name) end,
        'address', jsonb_build_object('region', o.region, 'countryName', ocds.country_name(o.country)),
        'roles', to_jsonb(p_roles)))
$$;

create function ocds.party_ref(o organizations) returns jsonb
language sql immutable as $$ select jsonb_build_object('id', ocds.party_id(o), 'name', o.name) $$;

-- ---- clauses in words -----------------------------------------------------------------------

create function ocds.unit(p_kind text) returns text
language sql immutable as $$
    select case p_kind when 'hire_persons' then 'persons' when 'person_months' then 'person_months'
                       when 'apprenticeships' then 'contracts' when 'work_trials' then 'contracts'
                       when 'social_enterprise_share' then 'percent' end
$$;

create function ocds.clause_title(p_kind text) returns text
language sql immutable as $$
    select 'Employment condition: ' || case p_kind
        when 'hire_persons' then 'persons employed'
        when 'person_months' then 'person-months of employment'
        when 'apprenticeships' then 'apprenticeship contracts'
        when 'work_trials' then 'work trials'
        when 'social_enterprise_share' then 'share subcontracted to social enterprises' end
$$;

-- What the clause obliges, generated from its fields (English).
create function ocds.clause_text(c clauses) returns text
language sql immutable as $$
    select case c.kind
        when 'hire_persons' then format('Employ %s person(s) from the target groups (%s), each for at least %s months%s',
            trim_scale(c.quantity), array_to_string(c.target_groups, ', '), trim_scale(c.min_months_per_person),
            case when c.min_weekly_hours > 0 then format(' and at least %s hours a week', trim_scale(c.min_weekly_hours)) else '' end)
        when 'person_months' then format('Provide %s person-months (full-time equivalent) of employment to the target groups (%s)%s',
            trim_scale(c.quantity), array_to_string(c.target_groups, ', '),
            case when c.min_weekly_hours > 0 then format(', at least %s hours a week', trim_scale(c.min_weekly_hours)) else '' end)
        when 'apprenticeships' then format('Conclude %s apprenticeship contract(s) with persons from the target groups (%s)',
            trim_scale(c.quantity), array_to_string(c.target_groups, ', '))
        when 'work_trials' then format('Offer %s work trial(s) to persons from the target groups (%s)',
            trim_scale(c.quantity), array_to_string(c.target_groups, ', '))
        when 'social_enterprise_share' then format('Subcontract at least %s %% of the contract value to social enterprises',
            trim_scale(c.quantity))
        end
        || case when c.lot_ref is not null then ' (lot ' || c.lot_ref || ')' else '' end
        || '; reported ' || c.reporting || '.'
$$;

-- performanceTerms of one clause: the generated obligation, then the clause's own words.
create function ocds.clause_terms(c clauses) returns text
language sql immutable as $$ select ocds.clause_text(c) || coalesce(' ' || c.description, '') $$;

-- ---- signals ----------------------------------------------------------------------------------

-- The sustainability goal a signal announces (sustainabilityGoal codelist), or null.
create function ocds.signal_goal(p_code text) returns text
language sql immutable as $$
    select case
        when p_code in ('employment-condition', 'reserved-execution', 'reserved-participation:res-ws')
            then 'social.disadvantagedEmploymentOpportunities'
        when p_code = 'strategic-procurement:soc-obj' then 'social'
        when p_code like 'social-objective:%' then case substr(p_code, 18)
            when 'opp' then 'social.disadvantagedEmploymentOpportunities'
            when 'acc-all' then 'social.accessibility'
            when 'et-eq' then 'social.ethnicEquality'
            when 'gen-eq' then 'social.genderEquality'
            when 'hum-right' then 'social.humanRightsInSupplyChains'
            when 'work-cond' then 'social.laborRightsPromotion'
            else 'social' end
        end
$$;

-- The strategy (sustainabilityStrategy codelist) a signal says was used, or null when unknown.
create function ocds.signal_strategy(p_code text, p_source text) returns text
language sql immutable as $$
    select case
        when p_code = 'reserved-participation:res-ws' then 'reservedParticipation'
        when p_code = 'reserved-execution' then 'contractPerformanceConditions'
        when p_code = 'employment-condition' and p_source in ('BT-70', 'clause') then 'contractPerformanceConditions'
        end
$$;

-- BT-71 reserved-procurement codes -> the reservedParticipation codelist (others as given).
create function ocds.reserved_participation(p_code text) returns text
language sql immutable as $$
    select case p_code when 'res-ws' then 'shelteredWorkshop' when 'res-pub-ser' then 'publicServiceMissionOrganization'
                       else p_code end
$$;

-- ---- the clause- and signal-derived fields of a tender (p_lot null) or of one lot -------------
-- hasSustainability, sustainability[] (one entry per goal), contractTerms {performanceTerms,
-- rewardsAndPenalties, reservedExecution}, otherRequirements.reservedParticipation. Tender-level
-- signals are those without a lot, or naming a lot the tender does not have.
create function ocds.social(p_tender uuid, p_lot text) returns jsonb
language sql stable as $$
    with cl as (
        select c as r, c.id, c.created_at, c.sanction_eur from clauses c
         where c.tender_id = p_tender and c.lot_ref is not distinct from p_lot
    ), sg as (
        select s.* from tender_signals s
         where s.tender_id = p_tender
           and case when p_lot is null
                    then s.lot_ref is null
                         or not exists (select 1 from lots l where l.tender_id = p_tender and l.lot_ref = s.lot_ref)
                    else s.lot_ref = p_lot end
    ), aims as (
        select 'social.disadvantagedEmploymentOpportunities' as goal, 'contractPerformanceConditions' as strategy,
               ocds.clause_text(cl.r) as text
          from cl
        union all
        select ocds.signal_goal(sg.code), ocds.signal_strategy(sg.code, sg.source), sg.text
          from sg where ocds.signal_goal(sg.code) is not null
    ), sus as (
        select a.goal,
               array_agg(distinct a.strategy order by a.strategy) filter (where a.strategy is not null) as strategies,
               string_agg(distinct a.text, E'\n' order by a.text) as description
          from aims a group by a.goal
    ), terms as (
        select 1 as o, cl.created_at, cl.id::text as k, ocds.clause_terms(cl.r) as text from cl
        union all
        select 2, null, sg.text, sg.text from sg
         where sg.code = 'employment-condition' and sg.source = 'BT-70' and sg.text is not null
    )
    select jsonb_strip_nulls(jsonb_build_object(
        'hasSustainability', case when exists (select 1 from sus) then true end,
        'sustainability', (select jsonb_agg(jsonb_strip_nulls(jsonb_build_object('goal', s.goal,
                                'strategies', to_jsonb(s.strategies), 'description', s.description)) order by s.goal)
                             from sus s),
        'contractTerms', nullif(jsonb_strip_nulls(jsonb_build_object(
            'performanceTerms', (select string_agg(distinct_terms.text, E'\n' order by distinct_terms.o,
                                                   distinct_terms.created_at, distinct_terms.k)
                                   from (select distinct on (t.text) t.* from terms t
                                          order by t.text, t.o, t.created_at, t.k) distinct_terms),
            'rewardsAndPenalties', (select string_agg(format('Contractual penalty of %s EUR for not meeting: %s',
                                                             trim_scale(cl.sanction_eur), ocds.clause_text(cl.r)),
                                                      E'\n' order by cl.created_at, cl.id)
                                      from cl where cl.sanction_eur is not null),
            'reservedExecution', case when exists (select 1 from sg where sg.code = 'reserved-execution') then true end)),
            '{}'),
        'otherRequirements', (select jsonb_build_object('reservedParticipation',
                                         jsonb_agg(distinct ocds.reserved_participation(substr(sg.code, 24))))
                                from sg where sg.code like 'reserved-participation:%'
                              having count(*) > 0)))
$$;

-- tender.targets: one Metric per clause (the obligation), its lot as a dimension.
create function ocds.targets(p_tender uuid) returns jsonb
language sql stable as $$
    select jsonb_agg(jsonb_build_object(
        'id', 'clause-' || c.id,
        'title', ocds.clause_title(c.kind),
        'description', ocds.clause_text(c),
        'observations', jsonb_build_array(jsonb_build_object(
            'id', 'clause-' || c.id || '-target',
            'measure', trim_scale(c.quantity),
            'unit', jsonb_build_object('name', ocds.unit(c.kind)),
            'dimensions', jsonb_strip_nulls(jsonb_build_object('targetGroups', array_to_string(c.target_groups, ','),
                                                               'lot', c.lot_ref)))))
        order by c.created_at, c.id)
      from clauses c where c.tender_id = p_tender
$$;

-- ---- the three kinds of release ---------------------------------------------------------------

-- A tender release (without ocid, id, date, tag): buyer, tender, items, lots, clauses, notices.
create function ocds.tender_release(t tenders) returns jsonb
language sql stable as $$
    with lot_rows as (
        select l.*, ocds.social(t.id, l.lot_ref) as social from lots l where l.tender_id = t.id
    ),
    tender_social as (select ocds.social(t.id, null) as social)
    select jsonb_strip_nulls(jsonb_build_object(
        'initiationType', 'tender',
        'parties', (select jsonb_build_array(ocds.party(b, array['buyer', 'procuringEntity']))
                      from organizations b where b.id = t.buyer_org_id),
        'buyer', (select ocds.party_ref(b) from organizations b where b.id = t.buyer_org_id),
        'tender', jsonb_build_object(
            'id', coalesce(t.procedure_id, t.id::text),
            'title', t.title,
            'description', t.description,
            'status', ocds.tender_status(t.status),
            'mainProcurementCategory', ocds.category(t.nature),
            'value', ocds.value(t.estimated_value, t.currency),
            'tenderPeriod', case when t.deadline is not null then jsonb_build_object('endDate', ocds.day_end(t.deadline)) end,
            'items', (select jsonb_agg(i.item order by i.o, i.pos, i.ref) from (
                        select 0 as o, 0 as pos, '' as ref, jsonb_build_object('id', 'cpv',
                               'classification', jsonb_build_object('scheme', 'CPV', 'id', t.cpv)) as item
                         where t.cpv is not null
                        union all
                        select 1, l.position, l.lot_ref, jsonb_build_object('id', 'cpv-' || l.lot_ref,
                               'classification', jsonb_build_object('scheme', 'CPV', 'id', l.cpv), 'relatedLot', l.lot_ref)
                          from lot_rows l where l.cpv is not null) i),
            'lots', (select jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                            'id', l.lot_ref, 'title', l.title, 'status', ocds.tender_status(t.status),
                            'value', ocds.value(l.estimated_value, t.currency)) || l.social)
                        order by l.position, l.lot_ref) from lot_rows l),
            'documents', (select jsonb_agg(jsonb_build_object(
                            'id', n.notice_id || '-' || n.version,
                            'documentType', case n.notice_type when 'PriorInformationNotice' then 'plannedProcurementNotice'
                                                 when 'ContractAwardNotice' then 'awardNotice' else 'tenderNotice' end,
                            'title', n.notice_type || ' ' || n.notice_id || ' version ' || n.version,
                            'datePublished', ocds.day_start(n.issue_date))
                        order by n.issue_date, n.notice_id, n.version) from notices n where n.tender_id = t.id),
            'targets', ocds.targets(t.id))
          || (select ts.social from tender_social ts)
          || case when exists (select 1 from lot_rows l where l.social ? 'hasSustainability')
                  then jsonb_build_object('hasSustainability', true) else '{}' end))
$$;

-- The Metric of a clause as agreed in a contract: the supplier's commitment, else the quantity.
create function ocds.agreed_metrics(k contracts) returns jsonb
language sql stable as $$
    select jsonb_agg(jsonb_build_object(
        'id', 'clause-' || c.id,
        'title', ocds.clause_title(c.kind),
        'description', ocds.clause_text(c),
        'observations', jsonb_build_array(jsonb_build_object(
            'id', 'clause-' || c.id || '-agreed',
            'measure', trim_scale(coalesce(m.quantity, c.quantity)),
            'unit', jsonb_build_object('name', ocds.unit(c.kind)),
            'dimensions', jsonb_build_object('targetGroups', array_to_string(c.target_groups, ',')))))
        order by c.created_at, c.id)
      from clauses c
      left join commitments m on m.contract_id = k.id and m.clause_id = c.id
     where c.tender_id = k.tender_id and (c.lot_ref is null or c.lot_ref is not distinct from k.lot_ref)
$$;

create function ocds.contract_status(k contracts) returns text
language sql stable as $$
    select case when ocds.today() < k.starts_on then 'pending'
                when k.ends_on is not null and ocds.today() > k.ends_on then 'terminated'
                else 'active' end
$$;

-- An award+contract release: the award (id = the contract's id) and the contract with its
-- agreed metrics, the buyer and the supplier.
create function ocds.contract_release(k contracts) returns jsonb
language sql stable as $$
    select jsonb_strip_nulls(jsonb_build_object(
        'initiationType', 'tender',
        'parties', jsonb_build_array(ocds.party(b, array['buyer', 'procuringEntity']),
                                     ocds.party(s, array['supplier', 'tenderer'])),
        'buyer', ocds.party_ref(b),
        'awards', jsonb_build_array(jsonb_build_object(
            'id', k.id::text,
            'status', 'active',
            'value', ocds.value(k.value, k.currency),
            'suppliers', jsonb_build_array(ocds.party_ref(s)),
            'relatedLots', case when k.lot_ref is not null then jsonb_build_array(k.lot_ref) end,
            'contractPeriod', ocds.period(k.starts_on, k.ends_on))),
        'contracts', jsonb_build_array(jsonb_build_object(
            'id', k.id::text,
            'awardID', k.id::text,
            'title', k.contract_ref,
            'status', ocds.contract_status(k),
            'period', ocds.period(k.starts_on, k.ends_on),
            'value', ocds.value(k.value, k.currency),
            'dateSigned', case when k.signed_on is not null then ocds.day_start(k.signed_on) end,
            'agreedMetrics', ocds.agreed_metrics(k)))))
      from tenders t
      join organizations b on b.id = t.buyer_org_id
      join organizations s on s.id = k.supplier_org_id
     where t.id = k.tender_id
$$;

-- What was delivered for one clause in one target group up to p_as_of (CONTRACT §7 counting,
-- split by target group): measure in the clause's unit, and persons, the number of distinct
-- persons the measure counts (what suppression looks at).
create function ocds.delivered(k contracts, c clauses, p_group text, p_as_of date, out measure numeric, out persons int)
language sql stable as $$
    with p as (
        select x.*, greatest(least(coalesce(x.ends_on, p_as_of), p_as_of, coalesce(k.ends_on, p_as_of)) - x.starts_on + 1, 0) as days
          from placements x
         where x.contract_id = k.id and x.target_group = p_group and x.starts_on <= p_as_of
    ), hire as (
        select p.person_ref, sum(p.days) as days from p where p.weekly_hours >= c.min_weekly_hours group by p.person_ref
    )
    select case c.kind
               when 'hire_persons' then (select count(*) from hire h where h.days / 30.4375 >= c.min_months_per_person)
               when 'person_months' then (select coalesce(round(sum(p.days / 30.4375 * least(p.weekly_hours / 37.5, 1)), 2), 0)
                                            from p)
               when 'apprenticeships' then (select count(*) from p where p.employment_type = 'apprenticeship')
               when 'work_trials' then (select count(*) from p where p.employment_type = 'work_trial')
           end,
           case c.kind
               when 'hire_persons' then (select count(*) from hire h where h.days / 30.4375 >= c.min_months_per_person)
               when 'person_months' then (select count(distinct p.person_ref) from p where p.days > 0)
               when 'apprenticeships' then (select count(distinct p.person_ref) from p where p.employment_type = 'apprenticeship')
               when 'work_trials' then (select count(distinct p.person_ref) from p where p.employment_type = 'work_trial')
           end::int
$$;

-- contracts[].implementation.metrics: per clause binding the contract, one observation per
-- target group (never a person), or for a social-enterprise share the share of the contract
-- value subcontracted to social enterprises. Null when there is nothing to report.
create function ocds.delivered_metrics(k contracts, p_as_of date) returns jsonb
language sql stable as $$
    select jsonb_agg(jsonb_build_object(
        'id', 'clause-' || c.id,
        'title', ocds.clause_title(c.kind),
        'observations', case when c.kind = 'social_enterprise_share' then
            jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
                'id', 'clause-' || c.id || '-share',
                'period', ocds.period(k.starts_on, greatest(k.starts_on, least(p_as_of, coalesce(k.ends_on, p_as_of)))),
                'measure', (select round(100 * coalesce(sum(s.value) filter (where s.social_enterprise), 0) / k.value, 2)
                              from subcontracts s where s.contract_id = k.id and k.value > 0),
                'unit', jsonb_build_object('name', 'percent'),
                'notes', case when coalesce(k.value, 0) = 0 then 'The contract value is not known.' end)))
            else (select jsonb_agg(jsonb_build_object(
                    'id', 'clause-' || c.id || '-' || g.grp,
                    'period', ocds.period(k.starts_on, greatest(k.starts_on, least(p_as_of, coalesce(k.ends_on, p_as_of)))),
                    'measure', d.measure,
                    'unit', jsonb_build_object('name', ocds.unit(c.kind)),
                    'dimensions', jsonb_build_object('targetGroup', g.grp),
                    '_persons', d.persons) order by g.i)
                    from unnest(c.target_groups) with ordinality as g(grp, i),
                         lateral ocds.delivered(k, c, g.grp, p_as_of) d)
            end)
        order by c.created_at, c.id)
      from clauses c
     where c.tender_id = k.tender_id and (c.lot_ref is null or c.lot_ref is not distinct from k.lot_ref)
$$;

-- An implementationUpdate release, or null while the supplier has reported nothing.
create function ocds.implementation_release(k contracts) returns jsonb
language sql stable as $$
    select case when exists (select 1 from placements p where p.contract_id = k.id)
                  or exists (select 1 from subcontracts s where s.contract_id = k.id) then
        (select jsonb_build_object('initiationType', 'tender',
                 'contracts', jsonb_build_array(jsonb_build_object('id', k.id::text, 'awardID', k.id::text,
                     'implementation', jsonb_build_object('metrics', m))))
           from ocds.delivered_metrics(k, ocds.today()) m where m is not null)
    end
$$;

-- ---- writing releases -------------------------------------------------------------------------

-- Store the release of (kind, subject) for this transaction: one per transaction (a second build
-- revises the first), none when the content equals the last committed release of the subject
-- (a change that changes nothing publishes nothing). Callers hold the subject's row lock, so
-- builds of one subject serialise and "last" is well defined.
create function ocds.store(p_kind text, p_tender uuid, p_contract uuid, p_content jsonb,
                           p_first text[], p_update text[]) returns void
language plpgsql as $$
declare
    me xid8 := pg_current_xact_id();
    subj uuid := coalesce(p_contract, p_tender);
    mine ocds_releases;
    prev ocds_releases;
begin
    select * into mine from ocds_releases r
     where r.kind = p_kind and coalesce(r.contract_id, r.tender_id) = subj and r.txid = me;
    select * into prev from ocds_releases r
     where r.kind = p_kind and coalesce(r.contract_id, r.tender_id) = subj and r.txid <> me
     order by r.date desc, r.id desc limit 1;
    if p_content is null or (prev.id is not null and prev.release = p_content) then
        if mine.id is not null then
            delete from ocds_releases where id = mine.id;
        end if;
        return;
    end if;
    if mine.id is not null then
        update ocds_releases set release = p_content, date = clock_timestamp(),
                                 tag = case when prev.id is null then p_first else p_update end
         where id = mine.id;
    else
        insert into ocds_releases (tender_id, contract_id, kind, tag, release)
        values (p_tender, p_contract, p_kind, case when prev.id is null then p_first else p_update end, p_content);
    end if;
end $$;

create function ocds.build_tender(p_id uuid) returns void
language plpgsql as $$
declare
    t tenders;
begin
    select * into t from tenders where id = p_id for no key update;
    if found then
        perform ocds.store('tender', t.id, null, ocds.tender_release(t), array['tender'], array['tenderUpdate']);
    end if;
end $$;

create function ocds.build_contract(p_id uuid) returns void
language plpgsql as $$
declare
    k contracts;
begin
    select * into k from contracts where id = p_id for no key update;
    if found then
        perform ocds.store('contract', k.tender_id, k.id, ocds.contract_release(k), array['award', 'contract'],
                           array['awardUpdate', 'contractUpdate']);
    end if;
end $$;

create function ocds.build_implementation(p_id uuid) returns void
language plpgsql as $$
declare
    k contracts;
begin
    select * into k from contracts where id = p_id for no key update;
    if found then
        perform ocds.store('implementation', k.tender_id, k.id, ocds.implementation_release(k),
                           array['implementationUpdate'], array['implementationUpdate']);
    end if;
end $$;

-- At commit: build each pending (kind, subject) once, from the final state of the transaction.
create function ocds.pending_build() returns trigger
language plpgsql as $$
begin
    delete from ocds_pending where txid = new.txid and kind = new.kind and subject = new.subject;
    if not found then
        return null;
    end if;
    if new.kind = 'tender' then
        perform ocds.build_tender(new.subject);
    elsif new.kind = 'contract' then
        perform ocds.build_contract(new.subject);
    else
        perform ocds.build_implementation(new.subject);
    end if;
    return null;
end $$;
create constraint trigger ocds_pending_build after insert on ocds_pending
    deferrable initially deferred for each row execute function ocds.pending_build();

create function ocds.mark(p_kind text, p_subject uuid) returns void
language sql as $$
    insert into ocds_pending (kind, subject) select p_kind, p_subject where p_subject is not null
    on conflict do nothing
$$;

-- ---- what marks what ------------------------------------------------------------------------

create function ocds.on_tender_row() returns trigger
language plpgsql as $$
declare
    r record := case when tg_op = 'DELETE' then old else new end;
begin
    perform ocds.mark('tender', r.tender_id);
    if tg_op = 'UPDATE' and old.tender_id <> new.tender_id then
        perform ocds.mark('tender', old.tender_id);
    end if;
    return null;
end $$;

create function ocds.on_tender() returns trigger
language plpgsql as $$
begin
    perform ocds.mark('tender', new.id);
    return null;
end $$;

-- A clause is part of its tender's release and of the agreed and delivered metrics of every
-- contract of that tender.
create function ocds.on_clause() returns trigger
language plpgsql as $$
declare
    r record := case when tg_op = 'DELETE' then old else new end;
    k uuid;
begin
    perform ocds.mark('tender', r.tender_id);
    for k in select id from contracts where tender_id = r.tender_id loop
        perform ocds.mark('contract', k);
        perform ocds.mark('implementation', k);
    end loop;
    return null;
end $$;

create function ocds.on_contract() returns trigger
language plpgsql as $$
begin
    perform ocds.mark('contract', new.id);
    if tg_op = 'UPDATE' then
        perform ocds.mark('implementation', new.id);
    end if;
    return null;
end $$;

create function ocds.on_contract_row() returns trigger
language plpgsql as $$
declare
    r record := case when tg_op = 'DELETE' then old else new end;
begin
    perform ocds.mark(tg_argv[0], r.contract_id);
    return null;
end $$;

create trigger ocds_tender_insert after insert on tenders
    for each row execute function ocds.on_tender();
create trigger ocds_tender_update after update on tenders
    for each row when (old.* is distinct from new.*) execute function ocds.on_tender();
create trigger ocds_lots after insert or delete on lots
    for each row execute function ocds.on_tender_row();
create trigger ocds_lots_update after update on lots
    for each row when (old.* is distinct from new.*) execute function ocds.on_tender_row();
create trigger ocds_signals after insert or delete on tender_signals
    for each row execute function ocds.on_tender_row();
create trigger ocds_signals_update after update on tender_signals
    for each row when (old.* is distinct from new.*) execute function ocds.on_tender_row();
create trigger ocds_notices after insert or delete on notices
    for each row execute function ocds.on_tender_row();
create trigger ocds_notices_update after update on notices
    for each row when (old.* is distinct from new.*) execute function ocds.on_tender_row();
create trigger ocds_clauses after insert or delete on clauses
    for each row execute function ocds.on_clause();
create trigger ocds_clauses_update after update on clauses
    for each row when (old.* is distinct from new.*) execute function ocds.on_clause();
create trigger ocds_contract_insert after insert on contracts
    for each row execute function ocds.on_contract();
create trigger ocds_contract_update after update on contracts
    for each row when (old.* is distinct from new.*) execute function ocds.on_contract();
create trigger ocds_commitments after insert or delete on commitments
    for each row execute function ocds.on_contract_row('contract');
create trigger ocds_commitments_update after update on commitments
    for each row when (old.* is distinct from new.*) execute function ocds.on_contract_row('contract');
create trigger ocds_placements after insert or delete on placements
    for each row execute function ocds.on_contract_row('implementation');
create trigger ocds_placements_update after update on placements
    for each row when (old.* is distinct from new.*) execute function ocds.on_contract_row('implementation');
create trigger ocds_subcontracts after insert or delete on subcontracts
    for each row execute function ocds.on_contract_row('implementation');
create trigger ocds_subcontracts_update after update on subcontracts
    for each row when (old.* is distinct from new.*) execute function ocds.on_contract_row('implementation');

-- ---- the feed ---------------------------------------------------------------------------------

-- Opaque cursor over (txid, id).
create function ocds.cursor_encode(p_txid xid8, p_id bigint) returns text
language sql immutable as $$
    select rtrim(translate(encode(convert_to(p_txid::text || ':' || p_id::text, 'UTF8'), 'base64'), '+/', '-_'), '=')
$$;

create function ocds.cursor_decode(p_cursor text, out txid xid8, out id bigint)
language plpgsql immutable as $$
declare
    raw text;
begin
    if p_cursor is null then
        return;
    end if;
    if p_cursor !~ '^[A-Za-z0-9_-]{1,64}$' then
        perform api.fail(400, 'the cursor is malformed', 'cursor');
    end if;
    begin
        raw := convert_from(decode(rpad(translate(p_cursor, '-_', '+/'), ((length(p_cursor) + 3) / 4) * 4, '='),
                                   'base64'), 'UTF8');
    exception when others then
        raw := null;
    end;
    if raw is null or raw !~ '^[0-9]{1,20}:[0-9]{1,18}$' then
        perform api.fail(400, 'the cursor is malformed', 'cursor');
    end if;
    txid := split_part(raw, ':', 1)::xid8;
    id := split_part(raw, ':', 2)::bigint;
end $$;

-- Suppression when served: an observation counting 1 .. p_below - 1 persons loses its figures.
create function ocds.observation_public(o jsonb, p_below int) returns jsonb
language sql immutable as $$
    select case when (o ->> '_persons')::int between 1 and p_below - 1
                then (o - '_persons' - 'measure' - 'value') || jsonb_build_object('notes',
                     format('Suppressed: the figure counts fewer than %s persons.', p_below))
                else o - '_persons' end
$$;

create function ocds.contract_public(k jsonb, p_below int) returns jsonb
language sql immutable as $$
    select case when k -> 'implementation' ? 'metrics' then
        jsonb_set(k, '{implementation,metrics}', (
            select jsonb_agg(case when m ? 'observations' then jsonb_set(m, '{observations}', (
                        select jsonb_agg(ocds.observation_public(o, p_below) order by j)
                          from jsonb_array_elements(m -> 'observations') with ordinality as oo(o, j)))
                        else m end order by i)
              from jsonb_array_elements(k -> 'implementation' -> 'metrics') with ordinality as mm(m, i)))
        else k end
$$;

-- A stored release as published: ocid with the prefix, id, date, tag, suppression applied.
create function ocds.release_public(r ocds_releases, p_prefix text, p_below int) returns jsonb
language sql immutable as $$
    select r.release
        || jsonb_build_object('ocid', 'ocds-' || p_prefix || '-' || r.tender_id::text, 'id', r.release_id,
                              'date', api.ts(r.date), 'tag', to_jsonb(r.tag))
        || case when jsonb_typeof(r.release -> 'contracts') = 'array' then jsonb_build_object('contracts', (
               select jsonb_agg(ocds.contract_public(k, p_below) order by i)
                 from jsonb_array_elements(r.release -> 'contracts') with ordinality as kk(k, i)))
           else '{}' end
$$;

-- May the caller see this release? Staff: all. A buyer: its own tenders'. A supplier: the
-- tender releases of tenders it holds a contract on, and its own contracts' releases.
create function ocds.release_visible(r ocds_releases, p_role text, p_org uuid) returns boolean
language sql stable as $$
    select case
        when p_role in ('admin', 'analyst', 'centre') then true
        when p_role = 'buyer' then exists (select 1 from tenders t where t.id = r.tender_id and t.buyer_org_id = p_org)
        when p_role = 'supplier' then case when r.contract_id is null
            then exists (select 1 from contracts k where k.tender_id = r.tender_id and k.supplier_org_id = p_org)
            else exists (select 1 from contracts k where k.id = r.contract_id and k.supplier_org_id = p_org) end
        else false end
$$;

-- The extension.json of each extension the releases use.
create function ocds.extensions() returns json
language sql immutable as $$
    select json_build_array(
        'https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json',
        'https://raw.githubusercontent.com/open-contracting-extensions/ocds_sustainability_extension/master/extension.json',
        'https://raw.githubusercontent.com/open-contracting-extensions/ocds_otherRequirements_extension/master/extension.json',
        'https://raw.githubusercontent.com/open-contracting-extensions/ocds_contractTerms_extension/master/extension.json',
        'https://raw.githubusercontent.com/open-contracting-extensions/ocds_metrics_extension/1.1/extension.json')
$$;

-- GET /v1/ocds/releases[?since=RFC3339][&cursor=][&limit=]: an OCDS 1.1 release package of the
-- releases after the cursor (recorded at or after since), ordered by (txid, id), and only those
-- whose transaction is older than every transaction still running
-- (pg_snapshot_xmin(pg_current_snapshot())): a transaction that commits later has a larger xid
-- than anything served, so it sorts after the cursor and is never skipped. The daemon adds
-- _ocds_prefix, _suppress_below and _base (scheme://host of the request) to the arguments.
-- next_cursor and links.next when the page is full (there may be more now); resume_cursor is
-- the position after this page whatever its size (to poll for what commits later).
create function api.ocds_releases(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
declare
    lim int := api.page_limit(p_args);
    v_prefix text := p_args ->> '_ocds_prefix';
    v_below int := coalesce((p_args ->> '_suppress_below')::int, 5);
    v_base text := coalesce(p_args ->> '_base', 'http://localhost') || '/v1/ocds/releases';
    v_role text := p_args ->> '_role';
    v_org uuid := nullif(p_args ->> '_org', '')::uuid;
    v_since_text text := translate(p_args ->> 'since', ' ', '+');
    v_since timestamptz;
    c record;
    watermark xid8 := pg_snapshot_xmin(pg_current_snapshot());
    ids bigint[];
    n int;
    v_last ocds_releases;
    v_resume text;
    v_next text;
    v_params text[] := '{}';
    v_self text;
    v_link text;
    v_releases json;
    v_published text;
begin
    if coalesce(v_prefix, '') !~ '^[A-Za-z0-9]{1,32}$' then
        perform api.fail(500, 'ocds_prefix is not configured');
    end if;
    select * into c from ocds.cursor_decode(p_args ->> 'cursor');
    if p_args ? 'since' then
        if coalesce(v_since_text, '') !~* '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$' then
            perform api.fail(400, 'since must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z', 'since');
        end if;
        begin
            v_since := v_since_text::timestamptz;
        exception when others then
            perform api.fail(400, 'since must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z', 'since');
        end;
        v_params := v_params || ('since=' || replace(replace(v_since_text, ':', '%3A'), '+', '%2B'));
    end if;
    if p_args ? 'limit' then
        v_params := v_params || ('limit=' || lim);
    end if;
    select array_agg(x.id order by x.txid, x.id) into ids from (
        select r.id, r.txid from ocds_releases r
         where r.txid < watermark
           and (c.txid is null or (r.txid, r.id) > (c.txid, c.id))
           and (v_since is null or r.date >= v_since)
           and ocds.release_visible(r, v_role, v_org)
         order by r.txid, r.id
         limit lim) x;
    n := coalesce(cardinality(ids), 0);
    if n > 0 then
        select * into v_last from ocds_releases where id = ids[n];
        v_resume := ocds.cursor_encode(v_last.txid, v_last.id);
    elsif c.txid is not null then
        v_resume := ocds.cursor_encode(c.txid, c.id);
    end if;
    if n = lim then
        v_next := v_resume;
    end if;
    v_self := v_base || coalesce('?' || nullif(array_to_string(
        case when c.txid is not null then array['cursor=' || ocds.cursor_encode(c.txid, c.id)] else '{}'::text[] end
        || v_params, '&'), ''), '');
    select json_agg(ocds.release_public(r, v_prefix, v_below) order by r.txid, r.id), api.ts(max(r.date))
      into v_releases, v_published
      from ocds_releases r where r.id = any(ids);
    status := 200;
    if v_next is null then
        body := json_build_object(
            'uri', v_self, 'version', '1.1', 'publishedDate', coalesce(v_published, api.ts(now())),
            'publisher', json_build_object('name', 'clausetrack'), 'extensions', ocds.extensions(),
            'releases', coalesce(v_releases, '[]'::json),
            'next_cursor', null, 'resume_cursor', v_resume)::text;
    else
        v_link := v_base || '?' || array_to_string(array['cursor=' || v_next] || v_params, '&');
        body := json_build_object(
            'uri', v_self, 'version', '1.1', 'publishedDate', coalesce(v_published, api.ts(now())),
            'publisher', json_build_object('name', 'clausetrack'), 'extensions', ocds.extensions(),
            'releases', coalesce(v_releases, '[]'::json),
            'links', json_build_object('next', v_link),
            'next_cursor', v_next, 'resume_cursor', v_resume)::text;
    end if;
end $$;

-- ---- releases for what existed before this migration -------------------------------------------

select ocds.build_tender(t.id) from (select id from tenders order by created_at, id) t;
select ocds.build_contract(k.id) from (select id from contracts order by created_at, id) k;
select ocds.build_implementation(k.id) from (select id from contracts order by created_at, id) k;
