-- 0006_deliveries.sql - webhook subscriptions and their deliveries (CONTRACT §9): a trigger fans
-- every outbox event out to the matching active subscriptions in the transaction of the change;
-- the dispatcher (services/clausetrackd/dispatcher.c) claims due deliveries with FOR UPDATE SKIP
-- LOCKED under a lease, one subscription in order, and records every attempt here. Also the
-- api.* functions of /v1/subscriptions and /v1/deliveries, and the monthly impact.monthly event.

-- A subscription's secret is a shared secret: the dispatcher needs the key itself to sign
-- (HMAC-SHA256), so it is stored as given, server-side only, unlike API tokens (kept as a hash).
-- It is returned once, by POST /v1/subscriptions, and never by any read or idempotent replay.
create table subscriptions (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id),
    url text not null check (length(url) <= 2000 and url ~ '^https?://[^/?#@[:space:]]+($|[/?])'),
    events text[] not null check (cardinality(events) between 1 and 7 and events <@
        array['tender.created', 'clause.created', 'contract.created', 'placement.reported', 'placement.updated',
              'compliance.changed', 'impact.monthly']),
    secret text not null check (secret ~ '^whsec_[A-Za-z0-9+/]+={0,2}$' and length(secret) between 38 and 94),
    status text not null default 'active' check (status in ('active', 'disabled')),
    created_at timestamptz not null default clock_timestamp(),
    disabled_at timestamptz,
    disabled_reason text check (length(disabled_reason) <= 500),
    deleted_at timestamptz             -- DELETE hides it; its deliveries stay for the record
);
create index subscriptions_org on subscriptions (org_id, created_at, id) where deleted_at is null;
create index subscriptions_created on subscriptions (created_at, id) where deleted_at is null;

-- One row per (subscription, event). xid is the creating transaction: a delivery is held back
-- while an older transaction is still running, so a commit that lands late cannot be overtaken
-- (bounded: see api.delivery_claim).
create table deliveries (
    id uuid primary key default gen_random_uuid(),
    subscription_id uuid not null references subscriptions (id),
    event_id text not null,
    event_seq bigint not null references outbox (seq),
    status text not null default 'pending' check (status in ('pending', 'delivering', 'delivered', 'failed')),
    attempts int not null default 0 check (attempts >= 0),
    next_attempt_at timestamptz default clock_timestamp(),
    first_attempt_at timestamptz,      -- start of the retry window; redeliver starts a new one
    last_error text check (length(last_error) <= 500),
    created_at timestamptz not null default clock_timestamp(),
    delivered_at timestamptz,
    locked_by text check (length(locked_by) <= 200),
    locked_until timestamptz,
    xid xid8 not null default pg_current_xact_id(),
    unique (subscription_id, event_seq)
);
create index deliveries_open on deliveries (subscription_id, event_seq, id) where status in ('pending', 'delivering');
create index deliveries_subscription on deliveries (subscription_id, created_at, id);

create table delivery_attempts (
    id bigserial primary key,
    delivery_id uuid not null references deliveries (id),
    at timestamptz not null,           -- when the request started
    http_status int check (http_status between 100 and 999),
    latency_ms int not null check (latency_ms >= 0),
    error text check (length(error) <= 500),
    worker text check (length(worker) <= 200)
);
create index delivery_attempts_delivery on delivery_attempts (delivery_id, id);

-- Months whose impact.monthly event was sent (the 1st-of-month trigger runs once per database).
create table impact_months (
    month date primary key check (extract(day from month) = 1),
    event_id text not null,
    first_sent_at timestamptz not null default clock_timestamp(),
    last_sent_at timestamptz not null default clock_timestamp(),
    sends int not null default 1
);

create function api.delivery_events() returns text[]
language sql immutable as $$
    select array['tender.created', 'clause.created', 'contract.created', 'placement.reported', 'placement.updated',
                 'compliance.changed', 'impact.monthly']
$$;

create function api.max_subscriptions() returns int language sql immutable as $$ select 50 $$;

-- Fan-out, in the transaction of the change: a buyer's subscription receives the events of its own
-- tenders (placement events with their pseudonymous person_ref included, CONTRACT §3); the centre
-- and analysts receive everything except events with person data (placement rows are not theirs
-- to read) - and what they receive has any person field stripped at send time as well; an admin
-- receives everything. impact.monthly goes to the centre only.
create function deliveries_fan_out() returns trigger
language plpgsql as $$
declare
    n int;
begin
    insert into deliveries (subscription_id, event_id, event_seq)
    select s.id, new.id, new.seq
      from subscriptions s
      join organizations o on o.id = s.org_id
     where s.status = 'active' and s.deleted_at is null and new.type = any (s.events)
       and case o.kind
               when 'buyer' then new.buyer_org_id = s.org_id and new.type <> 'impact.monthly'
               when 'centre' then not new.has_person_data
               when 'analyst' then not new.has_person_data and new.type <> 'impact.monthly'
               when 'admin' then new.type <> 'impact.monthly'
               else false
           end;
    get diagnostics n = row_count;
    if n > 0 then
        perform pg_notify('clausetrack_deliveries', '');
    end if;
    return null;
end $$;

create trigger outbox_fan_out after insert on outbox for each row execute function deliveries_fan_out();

-- Removes person fields (person_ref, person, hetu) at any depth: what the centre and analysts get.
create function api.strip_person(p jsonb) returns jsonb
language plpgsql immutable as $$
begin
    if jsonb_typeof(p) = 'object' then
        return coalesce((select jsonb_object_agg(k, api.strip_person(v)) from jsonb_each(p) as x(k, v)
                          where k not in ('person_ref', 'person', 'hetu')), '{}'::jsonb);
    elsif jsonb_typeof(p) = 'array' then
        return coalesce((select jsonb_agg(api.strip_person(v) order by i)
                           from jsonb_array_elements(p) with ordinality as x(v, i)), '[]'::jsonb);
    end if;
    return p;
end $$;

create function api.ts_ms(p timestamptz) returns text
language sql immutable as $$ select to_char(p at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- ---- the dispatcher's statements ----

-- Claim up to p_limit due deliveries for worker p_worker under a lease of p_lease_s seconds.
-- Eligible: the oldest open (pending or delivering) delivery of each active subscription - so a
-- subscription is served in event order, one at a time - when it is due and either pending or
-- delivering under an expired lease (its dispatcher died), and when no older transaction is still
-- running (a late commit could otherwise be overtaken; after 2 s latency wins). SKIP LOCKED lets
-- several dispatchers share the table; the conditions are repeated on the locked row so that a
-- claim committed by another dispatcher after this statement's snapshot is never claimed again.
-- Returns what the dispatcher sends: the URL, secret, event id, the payload, and the number of
-- attempts recorded so far (for the backoff).
create function api.delivery_claim(p_worker text, p_limit int, p_lease_s int)
returns table (delivery_id uuid, url text, secret text, event_id text, payload text, attempts int)
language sql as $$
    with heads as (
        select distinct on (d.subscription_id) d.id, d.subscription_id, d.status, d.next_attempt_at,
               d.locked_until, d.xid, d.created_at
          from deliveries d
         where d.status in ('pending', 'delivering')
         order by d.subscription_id, d.event_seq, d.id
    ), due as (
        select h.id
          from heads h
          join subscriptions s on s.id = h.subscription_id
         where s.status = 'active' and s.deleted_at is null
           and h.next_attempt_at <= clock_timestamp()
           and (h.status = 'pending' or h.locked_until < clock_timestamp())
           and (h.xid < pg_snapshot_xmin(pg_current_snapshot()) or h.created_at < clock_timestamp() - interval '2 s')
         order by h.next_attempt_at
         limit greatest(1, least(p_limit, 256))
    ), claimed as (
        select d.id
          from deliveries d
         where d.id in (select id from due)
           and (d.status = 'pending' or (d.status = 'delivering' and d.locked_until < clock_timestamp()))
           and d.next_attempt_at <= clock_timestamp()
           for update skip locked
    )
    update deliveries d
       set status = 'delivering', locked_by = p_worker,
           locked_until = clock_timestamp() + make_interval(secs => greatest(p_lease_s, 5)),
           first_attempt_at = coalesce(d.first_attempt_at, clock_timestamp())
      from claimed c, subscriptions s, organizations o, outbox e
     where d.id = c.id and s.id = d.subscription_id and o.id = s.org_id and e.seq = d.event_seq
    returning d.id, s.url, s.secret, e.id,
        '{"id":' || to_json(e.id)::text || ',"type":' || to_json(e.type)::text
        || ',"created_at":' || to_json(api.ts(e.created_at))::text
        || ',"data":' || (case when o.kind in ('centre', 'analyst') then api.strip_person(e.data)
                               else e.data end)::text || '}',
        d.attempts
$$;

-- Record one attempt of a claimed delivery and its outcome, decided by the dispatcher:
--   delivered  2xx
--   gone       410: the delivery fails, the subscription is disabled, its pending deliveries fail
--   retry      anything else: pending again after p_delay_ms, or failed once p_window_s have passed
--              since the first attempt (at least 24 h in production)
--   release    interrupted by shutdown: pending again at once
-- The attempt is always recorded; the delivery changes only while this worker still holds it
-- (else 'lost' is returned: its lease ran out and another dispatcher owns it now).
-- Returns the delivery's new status (or 'lost').
create function api.delivery_record(p_id uuid, p_worker text, p_http_status int, p_latency_ms int, p_error text,
                                    p_outcome text, p_delay_ms bigint, p_window_s int) returns text
language plpgsql as $$
declare
    d deliveries;
    v_status text;
    v_error text := left(p_error, 500);
begin
    insert into delivery_attempts (delivery_id, at, http_status, latency_ms, error, worker)
    values (p_id, clock_timestamp() - make_interval(secs => greatest(p_latency_ms, 0) / 1000.0),
            case when p_http_status between 100 and 999 then p_http_status end, greatest(p_latency_ms, 0),
            v_error, p_worker);
    select * into d from deliveries where id = p_id for update;
    if not found or d.status <> 'delivering' or d.locked_by is distinct from p_worker then
        return 'lost';
    end if;
    if p_outcome = 'delivered' then
        update deliveries set status = 'delivered', attempts = attempts + 1, delivered_at = clock_timestamp(),
                              last_error = null, next_attempt_at = null, locked_by = null, locked_until = null
         where id = p_id;
        return 'delivered';
    elsif p_outcome = 'gone' then
        update deliveries set status = 'failed', attempts = attempts + 1, last_error = v_error,
                              next_attempt_at = null, locked_by = null, locked_until = null
         where id = p_id;
        update subscriptions set status = 'disabled', disabled_at = clock_timestamp(),
                                 disabled_reason = 'the receiver answered 410 Gone'
         where id = d.subscription_id and status = 'active';
        if found then
            update deliveries set status = 'failed', last_error = 'the subscription was disabled (410 Gone)',
                                  next_attempt_at = null
             where subscription_id = d.subscription_id and status = 'pending';
            perform api.audit('{}'::jsonb, 'disable', 'subscription', d.subscription_id, null,
                              jsonb_build_object('status', 'disabled', 'reason', '410 Gone', 'delivery_id', p_id));
        end if;
        return 'failed';
    elsif p_outcome = 'release' then
        update deliveries set status = 'pending', attempts = attempts + 1, last_error = v_error,
                              next_attempt_at = clock_timestamp(), locked_by = null, locked_until = null
         where id = p_id;
        return 'pending';
    end if;
    if clock_timestamp() - coalesce(d.first_attempt_at, clock_timestamp())
           >= make_interval(secs => greatest(p_window_s, 1)) then
        v_status := 'failed';
    else
        v_status := 'pending';
    end if;
    update deliveries set status = v_status, attempts = attempts + 1, last_error = v_error,
                          next_attempt_at = case when v_status = 'pending'
                              then clock_timestamp() + make_interval(secs => greatest(p_delay_ms, 0) / 1000.0) end,
                          locked_by = null, locked_until = null
     where id = p_id;
    return v_status;
end $$;

-- For /metrics: open deliveries of live subscriptions and the age of the oldest, in seconds.
create function api.delivery_stats(out pending bigint, out oldest_age_s double precision)
language sql stable as $$
    select count(*), coalesce(extract(epoch from clock_timestamp() - min(d.created_at)), 0)::double precision
      from deliveries d
      join subscriptions s on s.id = d.subscription_id
     where d.status in ('pending', 'delivering') and s.status = 'active' and s.deleted_at is null
$$;

-- ---- /v1/subscriptions and /v1/deliveries ----

create function api.subscription_json(s subscriptions) returns jsonb
language sql stable as $$
    select jsonb_build_object('id', s.id, 'org_id', s.org_id, 'url', s.url, 'events', to_jsonb(s.events),
        'status', s.status, 'created_at', api.ts(s.created_at), 'disabled_at', api.ts(s.disabled_at),
        'disabled_reason', s.disabled_reason)
$$;

create function api.delivery_json(d deliveries) returns jsonb
language sql stable as $$
    select jsonb_build_object('id', d.id, 'subscription_id', d.subscription_id, 'event_id', d.event_id,
        'event_type', (select e.type from outbox e where e.seq = d.event_seq),
        'status', d.status, 'attempt_count', d.attempts,
        'next_attempt_at', case when d.status = 'pending' then api.ts_ms(d.next_attempt_at) end,
        'last_error', d.last_error, 'created_at', api.ts(d.created_at), 'delivered_at', api.ts(d.delivered_at),
        'attempts', coalesce((select jsonb_agg(jsonb_build_object('at', api.ts_ms(a.at), 'http_status', a.http_status,
                                                                  'latency_ms', a.latency_ms, 'error', a.error)
                                               order by a.id)
                                from (select * from delivery_attempts x where x.delivery_id = d.id
                                       order by x.id desc limit 100) a), '[]'::jsonb))
$$;

-- The subscription p_id when the caller may see it (its own; an admin any), else a 404.
create function api.subscription_for(p_args jsonb, p_id uuid, p_lock boolean default false) returns subscriptions
language plpgsql as $$
declare
    s subscriptions;
begin
    if p_lock then
        select * into s from subscriptions where id = p_id and deleted_at is null for update;
    else
        select * into s from subscriptions where id = p_id and deleted_at is null;
    end if;
    if not found or not (p_args ->> '_role' = 'admin' or s.org_id = (p_args ->> '_org')::uuid) then
        perform api.fail(404, 'no such subscription');
    end if;
    return s;
end $$;

-- The event names a role may subscribe to, checked again here (the route checks them first).
create function api.subscription_check_events(p_role text, p_events text[]) returns void
language plpgsql as $$
begin
    if p_events is null or cardinality(p_events) = 0 then
        perform api.fail(422, 'must name at least one event', 'events');
    end if;
    if not p_events <@ api.delivery_events() then
        perform api.fail(422, 'names an unknown event', 'events');
    end if;
    if p_role <> 'centre' and 'impact.monthly' = any (p_events) then
        perform api.fail(422, 'impact.monthly is for the competence centre only', 'events');
    end if;
    if p_role in ('centre', 'analyst') and p_events && array['placement.reported', 'placement.updated'] then
        perform api.fail(422, 'placement events carry person data and go to buyers only', 'events');
    end if;
end $$;

-- POST /v1/subscriptions. args: body {url, events, secret?} validated by the route, "url" the
-- normalised URL and "secret" the secret to keep (the given one or a new one).
create function api.subscription_create(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    org uuid := (p_args ->> '_org')::uuid;
    v_events text[] := array(select jsonb_array_elements_text(p_args -> 'body' -> 'events'));
    s subscriptions;
begin
    if coalesce(p_args ->> '_role', '') not in ('admin', 'buyer', 'analyst', 'centre') then
        perform api.fail(403, 'your organisation''s role may not subscribe');
    end if;
    perform api.subscription_check_events(p_args ->> '_role', v_events);
    perform 1 from organizations where id = org for update; -- serialises the count below per organisation
    if (select count(*) from subscriptions where org_id = org and deleted_at is null) >= api.max_subscriptions() then
        perform api.fail(422, 'an organisation may have at most ' || api.max_subscriptions() || ' subscriptions');
    end if;
    insert into subscriptions (org_id, url, events, secret)
    values (org, p_args ->> 'url', v_events, p_args ->> 'secret')
    returning * into s;
    perform api.audit(p_args, 'create', 'subscription', s.id, null, api.subscription_json(s));
    status := 201;
    body := (api.subscription_json(s) || jsonb_build_object('secret', s.secret))::text;
end $$;

-- GET /v1/subscriptions: the caller's own (an admin's: all), by (created_at, id).
create function api.subscription_list(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
declare
    lim int := api.page_limit(p_args);
    c record;
    items jsonb;
    last_at timestamptz;
    last_id uuid;
    n int;
    all_orgs boolean := p_args ->> '_role' = 'admin';
begin
    select * into c from api.cursor_decode(p_args ->> 'cursor');
    select coalesce(jsonb_agg(api.subscription_json(x) order by x.created_at, x.id), '[]'), count(*),
           (array_agg(x.created_at order by x.created_at desc, x.id desc))[1],
           (array_agg(x.id order by x.created_at desc, x.id desc))[1]
      into items, n, last_at, last_id
      from (select * from subscriptions s
             where s.deleted_at is null and (all_orgs or s.org_id = (p_args ->> '_org')::uuid)
               and (c.at is null or (s.created_at, s.id) > (c.at, c.id))
             order by s.created_at, s.id limit lim) x;
    status := 200;
    body := jsonb_build_object('items', items,
        'next_cursor', case when n = lim then api.cursor_encode(last_at, last_id) end)::text;
end $$;

-- DELETE /v1/subscriptions/{id}: hidden from then on; its open deliveries fail.
create function api.subscription_delete(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    s subscriptions := api.subscription_for(p_args, (p_args ->> 'id')::uuid, true);
begin
    update subscriptions set deleted_at = clock_timestamp() where id = s.id;
    update deliveries x set status = 'failed', last_error = 'the subscription was deleted', next_attempt_at = null,
                            locked_by = null, locked_until = null
     where x.subscription_id = s.id and x.status in ('pending', 'delivering');
    perform api.audit(p_args, 'delete', 'subscription', s.id, api.subscription_json(s), null);
    status := 204;
    body := '';
end $$;

-- GET /v1/subscriptions/{id}/deliveries[?status=]: by (created_at, id), each with its attempts.
create function api.delivery_list(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    lim int := api.page_limit(p_args);
    s subscriptions := api.subscription_for(p_args, (p_args ->> 'id')::uuid);
    v_status text := p_args ->> 'status';
    c record;
    items jsonb;
    last_at timestamptz;
    last_id uuid;
    n int;
begin
    if v_status is not null and v_status not in ('pending', 'delivering', 'delivered', 'failed') then
        perform api.fail(400, 'status must be pending, delivering, delivered or failed', 'status');
    end if;
    select * into c from api.cursor_decode(p_args ->> 'cursor');
    select coalesce(jsonb_agg(api.delivery_json(x) order by x.created_at, x.id), '[]'), count(*),
           (array_agg(x.created_at order by x.created_at desc, x.id desc))[1],
           (array_agg(x.id order by x.created_at desc, x.id desc))[1]
      into items, n, last_at, last_id
      from (select * from deliveries d
             where d.subscription_id = s.id and (v_status is null or d.status = v_status)
               and (c.at is null or (d.created_at, d.id) > (c.at, c.id))
             order by d.created_at, d.id limit lim) x;
    status := 200;
    body := jsonb_build_object('items', items,
        'next_cursor', case when n = lim then api.cursor_encode(last_at, last_id) end)::text;
end $$;

-- POST /v1/deliveries/{id}/redeliver: a delivered or failed delivery is pending again, due now,
-- with a new retry window. 409 while it is still open or its subscription is disabled.
create function api.delivery_redeliver(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    d deliveries;
    s subscriptions;
begin
    select * into d from deliveries where id = (p_args ->> 'id')::uuid for update;
    if not found then
        perform api.fail(404, 'no such delivery');
    end if;
    select * into s from subscriptions where id = d.subscription_id;
    if s.deleted_at is not null or not (p_args ->> '_role' = 'admin' or s.org_id = (p_args ->> '_org')::uuid) then
        perform api.fail(404, 'no such delivery');
    end if;
    if d.status in ('pending', 'delivering') then
        perform api.fail(409, 'the delivery is pending already');
    end if;
    if s.status <> 'active' then
        perform api.fail(409, 'the subscription is disabled');
    end if;
    update deliveries set status = 'pending', next_attempt_at = clock_timestamp(), first_attempt_at = null,
                          delivered_at = null, last_error = null, locked_by = null, locked_until = null
     where id = d.id returning * into d;
    perform api.audit(p_args, 'redeliver', 'delivery', d.id, null, jsonb_build_object('status', 'pending'));
    perform pg_notify('clausetrack_deliveries', '');
    status := 200;
    body := api.delivery_json(d)::text;
end $$;

-- ---- impact.monthly ----

-- The national aggregate by region (tenders.region) as at the end of p_month (Finnish time):
-- tenders, tenders with clauses, clauses and contracts created by then; when placements exist
-- (migration 0004), the placements started by then, distinct persons, and person-months worked up
-- to the month's end (days / 30.4375 x FTE, FTE = min(weekly_hours / 37.5, 1), as CONTRACT §7).
-- Suppression as CONTRACT §8: a row with 1 to p_suppress - 1 persons shows no person-level figures;
-- further rows are suppressed (smallest first) until the suppressed rows together hold at least
-- p_suppress persons and are at least two, so no total can reveal one of them; the totals' person
-- figures are suppressed when the national count is below p_suppress. Never a person_ref.
-- p_labels: {"FI1D3": "Pohjois-Karjala", ...} from lib/domain/nuts.c; other codes are their own label.
create function api.impact_monthly_data(p_month date, p_labels jsonb, p_suppress int) returns jsonb
language plpgsql stable as $$
declare
    m_start date := date_trunc('month', p_month)::date;
    m_end date := (date_trunc('month', p_month) + interval '1 month' - interval '1 day')::date;
    cutoff timestamptz := (m_end + 1)::timestamp at time zone 'Europe/Helsinki';
    k int := greatest(coalesce(p_suppress, 5), 1);
    have_placements boolean := to_regclass('public.placements') is not null;
    r record;
    keys text[] := '{}';
    persons int[] := '{}';
    sup boolean[] := '{}';
    nsup int := 0;
    sum_sup bigint := 0;
    best int;
    rows_out jsonb := '[]';
    t_tenders bigint := 0; t_twc bigint := 0; t_clauses bigint := 0; t_contracts bigint := 0;
    t_placements bigint := 0; t_persons bigint := 0; t_pm numeric := 0;
    i int;
    base jsonb;
    pl jsonb := '{}';
begin
    -- base figures per region
    select coalesce(jsonb_object_agg(x.key, jsonb_build_object('tenders', x.tenders, 'twc', x.twc,
                                                                 'clauses', x.clauses, 'contracts', x.contracts)), '{}')
      into base
      from (select coalesce(t.region, '') as key, count(*) as tenders,
                   count(*) filter (where exists (select 1 from clauses c
                                                   where c.tender_id = t.id and c.created_at < cutoff)) as twc,
                   coalesce(sum((select count(*) from clauses c where c.tender_id = t.id and c.created_at < cutoff)), 0)
                       as clauses,
                   coalesce(sum((select count(*) from contracts k2 where k2.tender_id = t.id and k2.created_at < cutoff)), 0)
                       as contracts
              from tenders t where t.created_at < cutoff group by 1) x;
    if have_placements then
        -- statically written, planned only when the table exists
        select coalesce(jsonb_object_agg(x.key, jsonb_build_object('placements', x.placements, 'persons', x.persons,
                                                                     'person_months', x.pm)), '{}'),
               coalesce(sum(x.placements), 0), coalesce(sum(x.pm), 0)
          into pl, t_placements, t_pm
          from (select coalesce(t.region, '') as key, count(*) as placements, count(distinct p.person_ref) as persons,
                       round(sum(greatest(0, least(coalesce(p.ends_on, m_end), m_end, k2.ends_on) - p.starts_on + 1)
                                 / 30.4375 * least(p.weekly_hours / 37.5, 1)), 2) as pm
                  from placements p
                  join contracts k2 on k2.id = p.contract_id
                  join tenders t on t.id = k2.tender_id
                 where p.starts_on <= m_end and p.created_at < cutoff
                 group by 1) x;
        select count(distinct p.person_ref) into t_persons
          from placements p join contracts k2 on k2.id = p.contract_id
         where p.starts_on <= m_end and p.created_at < cutoff;
    end if;
    -- the regions, sorted, with their person counts; primary suppression
    for r in select key from (select jsonb_object_keys(base) as key union select jsonb_object_keys(pl)) u order by key loop
        keys := keys || r.key;
        persons := persons || coalesce((pl -> r.key ->> 'persons')::int, 0);
        sup := sup || (coalesce((pl -> r.key ->> 'persons')::int, 0) between 1 and k - 1);
    end loop;
    for i in 1 .. coalesce(array_length(keys, 1), 0) loop
        if sup[i] then
            nsup := nsup + 1;
            sum_sup := sum_sup + persons[i];
        end if;
    end loop;
    -- complementary suppression: the suppressed rows together must hold k persons, and be two or more
    while nsup > 0 and (nsup < 2 or sum_sup < k) loop
        best := null;
        for i in 1 .. array_length(keys, 1) loop
            if not sup[i] and persons[i] > 0 and (best is null or persons[i] < persons[best]) then
                best := i;
            end if;
        end loop;
        exit when best is null;
        sup[best] := true;
        nsup := nsup + 1;
        sum_sup := sum_sup + persons[best];
    end loop;
    for i in 1 .. coalesce(array_length(keys, 1), 0) loop
        rows_out := rows_out || jsonb_build_object(
            'key', nullif(keys[i], ''),
            'label', case when keys[i] = '' then 'unknown region' else coalesce(p_labels ->> keys[i], keys[i]) end,
            'tenders', coalesce((base -> keys[i] ->> 'tenders')::bigint, 0),
            'tenders_with_clauses', coalesce((base -> keys[i] ->> 'twc')::bigint, 0),
            'clauses', coalesce((base -> keys[i] ->> 'clauses')::bigint, 0),
            'contracts', coalesce((base -> keys[i] ->> 'contracts')::bigint, 0),
            'placements', case when have_placements and not sup[i]
                               then coalesce((pl -> keys[i] ->> 'placements')::bigint, 0) end,
            'persons', case when have_placements and not sup[i] then persons[i] end,
            'person_months', case when have_placements and not sup[i]
                                  then coalesce((pl -> keys[i] ->> 'person_months')::numeric, 0) end,
            'suppressed', sup[i]);
        t_tenders := t_tenders + coalesce((base -> keys[i] ->> 'tenders')::bigint, 0);
        t_twc := t_twc + coalesce((base -> keys[i] ->> 'twc')::bigint, 0);
        t_clauses := t_clauses + coalesce((base -> keys[i] ->> 'clauses')::bigint, 0);
        t_contracts := t_contracts + coalesce((base -> keys[i] ->> 'contracts')::bigint, 0);
    end loop;
    return jsonb_build_object(
        'month', to_char(m_start, 'YYYY-MM'), 'as_of', to_char(m_end, 'YYYY-MM-DD'), 'group_by', 'region',
        'suppressed_below', k, 'placements_available', have_placements,
        'rows', rows_out,
        'totals', jsonb_build_object('tenders', t_tenders, 'tenders_with_clauses', t_twc, 'clauses', t_clauses,
            'contracts', t_contracts,
            'placements', case when have_placements and not t_persons between 1 and k - 1 then t_placements end,
            'persons', case when have_placements and not t_persons between 1 and k - 1 then t_persons end,
            'person_months', case when have_placements and not t_persons between 1 and k - 1 then round(t_pm, 2) end,
            'suppressed', t_persons between 1 and k - 1));
end $$;

-- Write the impact.monthly event of p_month (any day of it; not a month still to come). A month is
-- sent once: a second call returns the first event's id in already_sent and writes nothing, unless
-- p_force, which sends it again. delivery_count: how many subscriptions it went to.
create function api.impact_monthly_emit(p_month date, p_labels jsonb, p_suppress int, p_force boolean,
                                        out sent_event_id text, out delivery_count int, out already_sent text)
language plpgsql as $$
declare
    m date := date_trunc('month', p_month)::date;
    v_seq bigint;
begin
    if p_month is null or m > date_trunc('month', clock_timestamp() at time zone 'Europe/Helsinki')::date then
        perform api.fail(422, 'must be a month that has begun', 'month');
    end if;
    insert into impact_months (month, event_id) values (m, '') on conflict do nothing;
    if not found then
        select im.event_id into already_sent from impact_months im where im.month = m for update;
        if not p_force then
            delivery_count := 0;
            return;
        end if;
    end if;
    insert into outbox (type, buyer_org_id, tender_id, has_person_data, data)
    values ('impact.monthly', null, null, false, api.impact_monthly_data(m, p_labels, p_suppress))
    returning id, seq into sent_event_id, v_seq;
    update impact_months im
       set event_id = sent_event_id, last_sent_at = clock_timestamp(),
           sends = case when im.event_id = '' then 1 else im.sends + 1 end
     where im.month = m;
    select count(*) into delivery_count from deliveries d where d.event_seq = v_seq;
end $$;

-- The dispatcher's hourly check: once the month has turned (Finnish time), send the month that
-- ended - once per database, and only when a centre subscribes to impact.monthly (so a centre that
-- subscribes later in the month still gets it). Returns the new event's id, or null.
create function api.impact_monthly_auto(p_labels jsonb, p_suppress int) returns text
language plpgsql as $$
declare
    prev date := (date_trunc('month', clock_timestamp() at time zone 'Europe/Helsinki') - interval '1 month')::date;
    r record;
begin
    if exists (select 1 from impact_months where month = prev) then
        return null;
    end if;
    if not exists (select 1 from subscriptions s join organizations o on o.id = s.org_id
                    where o.kind = 'centre' and s.status = 'active' and s.deleted_at is null
                      and 'impact.monthly' = any (s.events)) then
        return null;
    end if;
    select * into r from api.impact_monthly_emit(prev, p_labels, p_suppress, false);
    return case when r.already_sent is null then r.sent_event_id end;
end $$;
