-- 0009_fast_reads.sql - api.me as PL/pgSQL: a SQL-language function with OUT parameters is
-- planned again on every call, PL/pgSQL keeps its plan (measured with ops/bench/api-read:
-- about twice the calls per second). Same answer as before.
create or replace function api.me(p_args jsonb, out status int, out body text)
language plpgsql stable as $$
declare
    o organizations;
begin
    select * into o from organizations where id = (p_args ->> '_org')::uuid;
    if not found then
        select * into status, body from api.not_found('organisation');
        return;
    end if;
    status := 200;
    body := jsonb_build_object('org', api.org_json(o), 'role', o.kind)::text;
end $$;
