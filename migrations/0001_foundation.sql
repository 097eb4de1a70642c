-- 0001_foundation.sql - organisations, API keys, audit log, idempotency keys, and the api
-- schema helpers every endpoint uses: errors raised as SQLSTATE 'CTnnn' (HTTP status nnn,
-- COLUMN = the field at fault), cursor pagination, audit rows, and the idempotent call wrapper.

create schema if not exists api;

create table organizations (
    id uuid primary key default gen_random_uuid(),
    name text not null check (length(name) between 1 and 300),
    kind text not null check (kind in ('admin', 'buyer', 'supplier', 'analyst', 'centre')),
    country char(3) not null default 'FIN' check (country ~ '^[A-Z]{3}$'),
    business_id text check (length(business_id) between 1 and 64),
    region text check (region ~ '^[A-Z]{2}[A-Z0-9]{0,3}$'),
    municipality_code text check (municipality_code ~ '^[0-9]{3}$'),
    social_enterprise boolean not null default false,
    created_at timestamptz not null default clock_timestamp(),
    check (country <> 'FIN' or business_id is null or business_id ~ '^[0-9]{7}-[0-9]$'),
    check (country <> 'FIN' or kind not in ('buyer', 'supplier') or business_id is not null),
    check (country <> 'FIN' or kind <> 'buyer' or region is not null)
);
create unique index organizations_business_id on organizations (country, business_id) where business_id is not null;
create index organizations_created on organizations (created_at, id);

create table api_keys (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id),
    label text check (length(label) <= 200),
    token_hash char(64) not null unique,
    created_at timestamptz not null default clock_timestamp(),
    revoked_at timestamptz
);
create index api_keys_org on api_keys (org_id);

create table audit_log (
    id bigserial primary key,
    at timestamptz not null default clock_timestamp(),
    actor_org_id uuid,
    actor_key_id uuid,
    action text not null,
    entity text not null,
    entity_id uuid,
    before jsonb,
    after jsonb
);
create index audit_log_entity on audit_log (entity, entity_id);

create table idempotency_keys (
    org_id uuid not null,
    key text not null,
    request_hash text not null,
    status int,
    body text,
    created_at timestamptz not null default clock_timestamp(),
    primary key (org_id, key)
);
create index idempotency_keys_created on idempotency_keys (created_at);

-- Raise an API error: status is the HTTP status, field (optional) the dotted path at fault.
create function api.fail(p_status int, p_message text, p_field text default null) returns void
language plpgsql as $$
begin
    raise exception using errcode = 'CT' || lpad(p_status::text, 3, '0'), message = p_message,
        column = coalesce(p_field, '');
end $$;

create function api.actor_kind(p_org uuid) returns text
language sql stable as $$ select kind from organizations where id = p_org $$;

-- Opaque cursor over (created_at, id).
create function api.cursor_encode(p_at timestamptz, p_id uuid) returns text
language sql immutable as $$
    select translate(encode(convert_to(
        (extract(epoch from p_at) * 1000000)::bigint::text || ':' || p_id::text, 'UTF8'), 'base64'), '+/=', '-_')
$$;

create function api.cursor_decode(p_cursor text, out at timestamptz, out id uuid)
language plpgsql immutable as $$
declare
    raw text;
begin
    if p_cursor is null then
        return;
    end if;
    begin
        raw := convert_from(decode(rpad(translate(p_cursor, '-_', '+/'),
                   ((length(p_cursor) + 3) / 4) * 4, '='), 'base64'), 'UTF8');
        at := to_timestamp(split_part(raw, ':', 1)::bigint / 1000000.0);
        id := split_part(raw, ':', 2)::uuid;
    exception when others then
        perform api.fail(400, 'the cursor is malformed', 'cursor');
    end;
end $$;

-- Page size from ?limit= (1..500, default 50).
create function api.page_limit(p_args jsonb) returns int
language plpgsql immutable as $$
declare
    v text := p_args ->> 'limit';
begin
    if v is null then
        return 50;
    end if;
    if v !~ '^[0-9]{1,4}$' or v::int < 1 or v::int > 500 then
        perform api.fail(400, 'limit must be a whole number from 1 to 500', 'limit');
    end if;
    return v::int;
end $$;

create function api.audit(p_args jsonb, p_action text, p_entity text, p_id uuid, p_before jsonb, p_after jsonb)
returns void language sql as $$
    insert into audit_log (actor_org_id, actor_key_id, action, entity, entity_id, before, after)
    values ((p_args ->> '_org')::uuid, (p_args ->> '_key')::uuid, p_action, p_entity, p_id, p_before, p_after)
$$;

-- A response body with its one-time secrets ("token", "secret") set to null.
create function api.redact(p text) returns text
language plpgsql immutable as $$
declare
    j jsonb;
begin
    if p is null or p !~ '^\s*\{' then
        return p;
    end if;
    j := p::jsonb;
    if j ? 'token' then
        j := jsonb_set(j, '{token}', 'null');
    end if;
    if j ? 'secret' then
        j := jsonb_set(j, '{secret}', 'null');
    end if;
    return j::text;
end $$;

-- Run api.<fn>(args) once per (organisation, Idempotency-Key): a replay with the same request
-- hash returns the stored answer, a different request under the same key is a 409.
-- Concurrent duplicates serialise on the primary key.
create function api.call(p_fn text, p_args jsonb, p_key text, p_hash text, out status int, out body text)
language plpgsql as $$
declare
    r idempotency_keys%rowtype;
    org uuid := (p_args ->> '_org')::uuid;
begin
    if p_fn !~ '^[a-z_]+$' then
        perform api.fail(500, 'bad function name');
    end if;
    if p_key is null then
        execute format('select status, body from api.%I($1)', p_fn) into status, body using p_args;
        return;
    end if;
    insert into idempotency_keys (org_id, key, request_hash) values (org, p_key, p_hash)
    on conflict do nothing;
    if not found then
        select * into r from idempotency_keys k where k.org_id = org and k.key = p_key;
        if r.request_hash <> p_hash then
            perform api.fail(409, 'this Idempotency-Key was already used with a different request', 'Idempotency-Key');
        end if;
        status := r.status;
        body := r.body;
        return;
    end if;
    execute format('select status, body from api.%I($1)', p_fn) into status, body using p_args;
    -- secrets shown once (API tokens, webhook secrets) are never kept: a replay shows them as null
    update idempotency_keys k set status = call.status, body = api.redact(call.body)
     where k.org_id = org and k.key = p_key;
end $$;

create function api.org_json(o organizations) returns jsonb
language sql stable as $$
    select jsonb_build_object('id', o.id, 'name', o.name, 'kind', o.kind, 'country', o.country,
        'business_id', o.business_id, 'region', o.region, 'municipality_code', o.municipality_code,
        'social_enterprise', o.social_enterprise,
        'created_at', to_char(o.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;

create function api.me(p_args jsonb, out status int, out body text)
language sql stable as $$
    select 200, jsonb_build_object('org', api.org_json(o), 'role', o.kind)::text
    from organizations o where o.id = (p_args ->> '_org')::uuid
$$;

create function api.org_get(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
declare
    o organizations;
begin
    select * into o from organizations where id = (p_args ->> 'id')::uuid;
    if not found then
        status := 404; body := jsonb_build_object('type', 'urn:clausetrack:problem:not-found', 'title', 'Not Found',
            'status', 404, 'detail', 'no such organisation')::text;
        return;
    end if;
    status := 200;
    body := api.org_json(o)::text;
end $$;

create function api.org_list(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
declare
    lim int := api.page_limit(p_args);
    c record;
    items jsonb;
    last_at timestamptz;
    last_id uuid;
    n int;
begin
    select * into c from api.cursor_decode(p_args ->> 'cursor');
    select coalesce(jsonb_agg(api.org_json(x) order by x.created_at, x.id), '[]'), count(*),
           (array_agg(x.created_at order by x.created_at desc, x.id desc))[1],
           (array_agg(x.id order by x.created_at desc, x.id desc))[1]
      into items, n, last_at, last_id
      from (select * from organizations o
             where (c.at is null or (o.created_at, o.id) > (c.at, c.id))
               and (p_args ->> 'kind' is null or o.kind = p_args ->> 'kind')
             order by o.created_at, o.id limit lim) x;
    status := 200;
    body := jsonb_build_object('items', items,
        'next_cursor', case when n = lim then api.cursor_encode(last_at, last_id) end)::text;
end $$;

create function api.org_create(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    b jsonb := p_args -> 'body';
    o organizations;
begin
    if b ->> 'business_id' is not null and exists (select 1 from organizations
            where country = coalesce(b ->> 'country', 'FIN') and business_id = b ->> 'business_id') then
        perform api.fail(409, 'an organisation with this business id exists already', 'business_id');
    end if;
    insert into organizations (name, kind, country, business_id, region, municipality_code, social_enterprise)
    values (b ->> 'name', b ->> 'kind', coalesce(b ->> 'country', 'FIN'), b ->> 'business_id', b ->> 'region',
            b ->> 'municipality_code', coalesce((b ->> 'social_enterprise')::boolean, false))
    returning * into o;
    perform api.audit(p_args, 'create', 'organization', o.id, null, api.org_json(o));
    status := 201;
    body := api.org_json(o)::text;
end $$;

create function api.key_create(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    k api_keys;
begin
    if not exists (select 1 from organizations where id = (p_args ->> 'id')::uuid) then
        perform api.fail(404, 'no such organisation');
    end if;
    insert into api_keys (org_id, label, token_hash)
    values ((p_args ->> 'id')::uuid, p_args -> 'body' ->> 'label', p_args ->> 'token_hash')
    returning * into k;
    perform api.audit(p_args, 'create', 'api_key', k.id, null,
        jsonb_build_object('org_id', k.org_id, 'label', k.label));
    status := 201;
    body := jsonb_build_object('id', k.id, 'org_id', k.org_id, 'label', k.label, 'token', p_args ->> 'token',
        'created_at', to_char(k.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text;
end $$;

create function api.key_revoke(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    k api_keys;
begin
    update api_keys set revoked_at = coalesce(revoked_at, clock_timestamp())
     where id = (p_args ->> 'id')::uuid returning * into k;
    if not found then
        perform api.fail(404, 'no such key');
    end if;
    perform api.audit(p_args, 'revoke', 'api_key', k.id, null, jsonb_build_object('revoked_at', k.revoked_at));
    status := 204;
    body := '';
end $$;
