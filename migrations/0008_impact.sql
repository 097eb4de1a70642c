-- 0008_impact.sql - region-wide impact (CONTRACT §8): summary counters kept current by deferred
-- triggers in the transaction of every write to placements, contracts, clauses, tenders and
-- clause_status, so GET /v1/impact reads a few dozen rows whatever the data's size; and
-- api.impact, which answers it (staff from the counters, a buyer from its own facts) with
-- small-cell suppression. The design, the formulas and the suppression proof: docs/impact.md.

-- The 19 Finnish NUTS-3 regions with the labels of ct_nuts_label (lib/domain/nuts.c); the
-- integration test test_impact checks that the two agree.
create table impact_region (
    code text primary key,
    label text not null,
    position int not null
);
insert into impact_region (code, label, position) values
    ('FI1B1', 'Helsinki-Uusimaa', 1), ('FI1C1', 'Varsinais-Suomi', 2), ('FI1C2', 'Kanta-Häme', 3),
    ('FI1C3', 'Päijät-Häme', 4), ('FI1C4', 'Kymenlaakso', 5), ('FI1C5', 'Etelä-Karjala', 6),
    ('FI193', 'Keski-Suomi', 7), ('FI194', 'Etelä-Pohjanmaa', 8), ('FI195', 'Pohjanmaa', 9),
    ('FI196', 'Satakunta', 10), ('FI197', 'Pirkanmaa', 11), ('FI1D1', 'Etelä-Savo', 12),
    ('FI1D2', 'Pohjois-Savo', 13), ('FI1D3', 'Pohjois-Karjala', 14), ('FI1D5', 'Keski-Pohjanmaa', 15),
    ('FI1D7', 'Lappi', 16), ('FI1D8', 'Kainuu', 17), ('FI1D9', 'Pohjois-Pohjanmaa', 18),
    ('FI200', 'Ahvenanmaa/Åland', 19);

-- The day up to which impact_sum.hour_days counts (UTC). Its row is also the one lock that
-- every counter update takes first (api.impact_lock), so counter writes never deadlock.
create table impact_clock (
    id int primary key check (id = 1),
    day date not null
);
insert into impact_clock (id, day) values (1, (now() at time zone 'UTC')::date);

-- One row per placement: the dimensions it is counted under, as the counters know them.
-- Text dimensions are '' when unknown (a tender without region, municipality or CPV).
-- ends_on is the effective end: the earlier of the placement's and the contract's end, null
-- while open, never before starts_on - 1 (a contract cut short before the placement began).
-- hours = min(weekly_hours, 37.5): FTE x 37.5, so sums stay exact decimals.
create table impact_fact (
    placement_id uuid primary key,
    contract_id uuid not null,
    tender_id uuid not null,
    buyer_org_id uuid not null,
    person_ref char(64) not null,
    region text not null,
    municipality text not null,
    cpv_division text not null,
    year int not null,
    target_group text not null,
    starts_on date not null,
    ends_on date,
    hours numeric not null
);
create index impact_fact_person on impact_fact (person_ref);
create index impact_fact_contract on impact_fact (contract_id);
create index impact_fact_tender on impact_fact (tender_id);
create index impact_fact_buyer on impact_fact (buyer_org_id);
create index impact_fact_starts on impact_fact (starts_on);
create index impact_fact_ends on impact_fact (ends_on);

-- One row per tender as a whole (target_group '*') and one per target group its clauses name:
-- the tender-level figures counted under that group.
create table impact_tender (
    tender_id uuid not null,
    target_group text not null,
    buyer_org_id uuid not null,
    region text not null,
    municipality text not null,
    cpv_division text not null,
    year int not null,
    has_clauses int not null,
    clauses int not null,
    contracts int not null,
    fulfilled int not null,
    primary key (tender_id, target_group)
);
create index impact_tender_buyer on impact_tender (buyer_org_id);

-- The counters: one row per answer row a staff request can ask for. grp is the grouping
-- ('total' for the totals), key the row's key ('' = unknown), and f_year (0 = every year),
-- f_region ('*' = every region), f_group ('*' = every target group) the filters.
create table impact_sum (
    grp text not null,
    key text not null,
    f_year int not null,
    f_region text not null,
    f_group text not null,
    tenders bigint not null default 0,
    tenders_with_clauses bigint not null default 0,
    clauses bigint not null default 0,
    contracts bigint not null default 0,
    clauses_fulfilled bigint not null default 0,
    placements bigint not null default 0,
    persons bigint not null default 0,
    hour_days numeric not null default 0,     -- sum of hours x days up to impact_clock.day
    hours_active numeric not null default 0,  -- sum of hours of placements active on that day
    primary key (grp, key, f_year, f_region, f_group)
);

-- ---- what a fact or a tender is counted under ------------------------------------------------

-- Every counter row (scope) that a fact with these dimensions belongs to: for a placement
-- p_groups is its one group (36 scopes), for a tender the groups its clauses name. gsel says
-- which of the tender's impact_tender rows feeds the scope ('*' = the tender as a whole).
create function api.impact_scopes(p_region text, p_muni text, p_year int, p_cpv text, p_groups text[])
returns table (grp text, key text, f_year int, f_region text, f_group text, gsel text)
language sql immutable as $$
    with y(fy) as (values (0), (p_year)),
         r(fr) as (select '*' union all select p_region where p_region <> ''),
         g(fg) as (select '*' union all select distinct unnest(p_groups))
    select 'total', '', fy, fr, fg, fg from y, r, g
    union all select 'region', p_region, fy, '*', fg, fg from y, g
    union all select 'municipality', p_muni, fy, fr, fg, fg from y, r, g
    union all select 'year', p_year::text, 0, fr, fg, fg from r, g
    union all select 'target_group', g.fg, fy, fr, '*', g.fg from y, r, g where g.fg <> '*'
    union all select 'cpv_division', p_cpv, fy, fr, fg, fg from y, r, g
$$;

-- A fact's row key under a grouping (the same choice impact_scopes makes).
create function api.impact_key(p_grp text, p_region text, p_muni text, p_year int, p_group text, p_cpv text)
returns text language sql immutable as $$
    select case p_grp when 'total' then '' when 'region' then p_region when 'municipality' then p_muni
                      when 'year' then p_year::text when 'target_group' then p_group
                      when 'cpv_division' then p_cpv end
$$;

-- The facts as the base tables say they are now.
create view impact_fact_src as
select p.id as placement_id, k.id as contract_id, t.id as tender_id, t.buyer_org_id, p.person_ref,
       coalesce(t.region, '') as region, coalesce(t.municipality_code, '') as municipality,
       coalesce(left(t.cpv, 2), '') as cpv_division, extract(year from p.starts_on)::int as year,
       p.target_group, p.starts_on,
       case when least(p.ends_on, k.ends_on) is null then null
            else greatest(least(p.ends_on, k.ends_on), p.starts_on - 1) end as ends_on,
       least(p.weekly_hours, 37.5)::numeric as hours
  from placements p
  join contracts k on k.id = p.contract_id
  join tenders t on t.id = k.tender_id;

-- Is the clause fulfilled: it binds at least one contract, and the last status computed for
-- it on every contract it binds is 'fulfilled'.
create function api.impact_clause_fulfilled(p_clause uuid, p_tender uuid, p_lot text) returns boolean
language sql stable as $$
    select exists (select 1 from contracts k where k.tender_id = p_tender and (p_lot is null or k.lot_ref = p_lot))
       and not exists (select 1 from contracts k
                        left join clause_status s on s.contract_id = k.id and s.clause_id = p_clause
                        where k.tender_id = p_tender and (p_lot is null or k.lot_ref = p_lot)
                          and s.status is distinct from 'fulfilled')
$$;

-- The tender-level rows as the base tables say they are now. Year: the deadline's year, or
-- the creation year (UTC) of a tender without one - as GET /v1/tenders?year= filters.
create view impact_tender_src as
select t.id as tender_id, x.target_group, t.buyer_org_id, coalesce(t.region, '') as region,
       coalesce(t.municipality_code, '') as municipality, coalesce(left(t.cpv, 2), '') as cpv_division,
       extract(year from coalesce(t.deadline, (t.created_at at time zone 'UTC')::date))::int as year,
       x.has_clauses, x.clauses, x.contracts, x.fulfilled
  from tenders t
 cross join lateral (
    select '*'::text as target_group, (o.n_cl > 0)::int as has_clauses, o.n_cl::int as clauses,
           o.n_k::int as contracts, o.n_ful::int as fulfilled
      from (select (select count(*) from clauses c where c.tender_id = t.id) as n_cl,
                   (select count(*) from contracts k where k.tender_id = t.id) as n_k,
                   (select count(*) from clauses c where c.tender_id = t.id
                       and api.impact_clause_fulfilled(c.id, c.tender_id, c.lot_ref)) as n_ful) o
    union all
    select gg.g, 1, count(*)::int,
           (select count(*) from contracts k where k.tender_id = t.id
               and exists (select 1 from clauses c2 where c2.tender_id = t.id and gg.g = any (c2.target_groups)
                              and (c2.lot_ref is null or c2.lot_ref = k.lot_ref)))::int,
           (count(*) filter (where api.impact_clause_fulfilled(c.id, c.tender_id, c.lot_ref)))::int
      from clauses c
     cross join lateral (select distinct unnest(c.target_groups) as g) gg
     where c.tender_id = t.id
     group by gg.g
 ) x;

-- ---- keeping the counters current ------------------------------------------------------------

-- The one lock of the counters; returns the clock's day. Every writer of impact_* takes it first.
create function api.impact_lock() returns date
language sql as $$ select day from impact_clock where id = 1 for no key update $$;

-- Add (p_sign 1) or take away (-1) one placement fact's contribution to its 36 counter rows. A
-- person counts once per row: persons moves only where no other fact of the same person shares
-- the row. Rows are touched in key order.
create function api.impact_fact_apply(f impact_fact, p_sign int, p_day date) returns void
language sql as $$
    with mine as (
        select * from api.impact_scopes(f.region, f.municipality, f.year, f.cpv_division, array[f.target_group])
    ), theirs as (
        select distinct s.grp, s.key, s.f_year, s.f_region, s.f_group
          from impact_fact o,
               lateral api.impact_scopes(o.region, o.municipality, o.year, o.cpv_division, array[o.target_group]) s
         where o.person_ref = f.person_ref and o.placement_id <> f.placement_id
    )
    insert into impact_sum as s (grp, key, f_year, f_region, f_group, placements, persons, hour_days, hours_active)
    select m.grp, m.key, m.f_year, m.f_region, m.f_group, p_sign,
           case when t.grp is null then p_sign else 0 end,
           p_sign * f.hours * greatest(0, least(coalesce(f.ends_on, p_day), p_day) - f.starts_on + 1),
           case when f.starts_on <= p_day and (f.ends_on is null or f.ends_on >= p_day) then p_sign * f.hours else 0 end
      from mine m
      left join theirs t on t.grp = m.grp and t.key = m.key and t.f_year = m.f_year and t.f_region = m.f_region
                        and t.f_group = m.f_group
     order by 1, 2, 3, 4, 5
    on conflict (grp, key, f_year, f_region, f_group) do update
       set placements = s.placements + excluded.placements, persons = s.persons + excluded.persons,
           hour_days = s.hour_days + excluded.hour_days, hours_active = s.hours_active + excluded.hours_active
$$;

-- Add or take away one tender's rows (all of one tender) from the counters.
create function api.impact_tender_apply(p_rows impact_tender[], p_sign int) returns void
language sql as $$
    with x as (select * from unnest(p_rows)),
         b as (select * from x where x.target_group = '*'),
         sc as (select s.* from b, lateral api.impact_scopes(b.region, b.municipality, b.year, b.cpv_division,
                    array(select x.target_group from x where x.target_group <> '*')) s)
    insert into impact_sum as s (grp, key, f_year, f_region, f_group, tenders, tenders_with_clauses, clauses,
                                 contracts, clauses_fulfilled)
    select sc.grp, sc.key, sc.f_year, sc.f_region, sc.f_group, p_sign, p_sign * x.has_clauses, p_sign * x.clauses,
           p_sign * x.contracts, p_sign * x.fulfilled
      from sc join x on x.target_group = sc.gsel
     order by 1, 2, 3, 4, 5
    on conflict (grp, key, f_year, f_region, f_group) do update
       set tenders = s.tenders + excluded.tenders,
           tenders_with_clauses = s.tenders_with_clauses + excluded.tenders_with_clauses,
           clauses = s.clauses + excluded.clauses, contracts = s.contracts + excluded.contracts,
           clauses_fulfilled = s.clauses_fulfilled + excluded.clauses_fulfilled
$$;

-- Bring one placement's fact (and the counters) in line with the base tables.
create function api.impact_placement_refresh(p_id uuid, p_day date) returns void
language plpgsql as $$
declare
    old impact_fact;
    cur impact_fact;
begin
    select * into old from impact_fact where placement_id = p_id;
    select * into cur from impact_fact_src where placement_id = p_id;
    if old is not distinct from cur then
        return;
    end if;
    if old.placement_id is not null then
        delete from impact_fact where placement_id = p_id;
        perform api.impact_fact_apply(old, -1, p_day);
    end if;
    if cur.placement_id is not null then
        perform api.impact_fact_apply(cur, 1, p_day);
        insert into impact_fact select cur.*;
    end if;
end $$;

-- Bring one tender's rows (and the counters) in line with the base tables.
create function api.impact_tender_refresh(p_tender uuid) returns void
language plpgsql as $$
declare
    old impact_tender[];
    cur impact_tender[];
begin
    select array_agg(x order by x.target_group) into old from impact_tender x where x.tender_id = p_tender;
    select array_agg((x.tender_id, x.target_group, x.buyer_org_id, x.region, x.municipality, x.cpv_division, x.year,
                      x.has_clauses, x.clauses, x.contracts, x.fulfilled)::impact_tender order by x.target_group)
      into cur from impact_tender_src x where x.tender_id = p_tender;
    if old is not distinct from cur then
        return;
    end if;
    if old is not null then
        perform api.impact_tender_apply(old, -1);
        delete from impact_tender where tender_id = p_tender;
    end if;
    if cur is not null then
        insert into impact_tender select * from unnest(cur);
        perform api.impact_tender_apply(cur, 1);
    end if;
end $$;

-- The placements of a contract, or of every contract of a tender.
create function api.impact_refresh_contract_placements(p_contract uuid, p_day date) returns void
language sql as $$
    select api.impact_placement_refresh(x.id, p_day)
      from (select id from placements where contract_id = p_contract
            union select placement_id from impact_fact where contract_id = p_contract order by 1) x
$$;

-- Trigger functions. They are deferred constraint triggers: they run at commit, in the writing
-- transaction, after everything else it did, so the lock is held only for the counter update.
create function api.impact_on_placement() returns trigger
language plpgsql as $$
declare
    d date := api.impact_lock();
begin
    perform api.impact_placement_refresh(case when tg_op = 'DELETE' then old.id else new.id end, d);
    return null;
end $$;

create function api.impact_on_contract() returns trigger
language plpgsql as $$
declare
    d date := api.impact_lock();
begin
    if tg_op <> 'INSERT' then
        perform api.impact_tender_refresh(old.tender_id);
        perform api.impact_refresh_contract_placements(old.id, d);
    end if;
    if tg_op <> 'DELETE' and (tg_op = 'INSERT' or new.tender_id is distinct from old.tender_id) then
        perform api.impact_tender_refresh(new.tender_id);
    end if;
    return null;
end $$;

create function api.impact_on_clause() returns trigger
language plpgsql as $$
begin
    perform api.impact_lock();
    if tg_op <> 'INSERT' then
        perform api.impact_tender_refresh(old.tender_id);
    end if;
    if tg_op <> 'DELETE' and (tg_op = 'INSERT' or new.tender_id is distinct from old.tender_id) then
        perform api.impact_tender_refresh(new.tender_id);
    end if;
    return null;
end $$;

create function api.impact_on_tender() returns trigger
language plpgsql as $$
declare
    d date := api.impact_lock();
    k uuid;
begin
    perform api.impact_tender_refresh(new.id);
    if tg_op = 'UPDATE' and (new.region, new.municipality_code, new.cpv, new.buyer_org_id)
                            is distinct from (old.region, old.municipality_code, old.cpv, old.buyer_org_id) then
        for k in select id from contracts where tender_id = new.id order by id loop
            perform api.impact_refresh_contract_placements(k, d);
        end loop;
    end if;
    return null;
end $$;

create function api.impact_on_clause_status() returns trigger
language plpgsql as $$
declare
    t uuid;
begin
    perform api.impact_lock();
    select tender_id into t from contracts where id = case when tg_op = 'DELETE' then old.contract_id else new.contract_id end;
    if t is not null then
        perform api.impact_tender_refresh(t);
    end if;
    return null;
end $$;

create constraint trigger impact_placements after insert or update or delete on placements
    deferrable initially deferred for each row execute function api.impact_on_placement();
create constraint trigger impact_contracts after insert or update of tender_id, lot_ref, ends_on or delete on contracts
    deferrable initially deferred for each row execute function api.impact_on_contract();
create constraint trigger impact_clauses after insert or update of tender_id, lot_ref, target_groups or delete on clauses
    deferrable initially deferred for each row execute function api.impact_on_clause();
create constraint trigger impact_tenders_insert after insert on tenders
    deferrable initially deferred for each row execute function api.impact_on_tender();
create constraint trigger impact_tenders_update after update of region, municipality_code, cpv, deadline, buyer_org_id, created_at
    on tenders deferrable initially deferred for each row
    when ((new.region, new.municipality_code, new.cpv, new.deadline, new.buyer_org_id, new.created_at)
          is distinct from (old.region, old.municipality_code, old.cpv, old.deadline, old.buyer_org_id, old.created_at))
    execute function api.impact_on_tender();
create constraint trigger impact_clause_status_write after insert or delete on clause_status
    deferrable initially deferred for each row execute function api.impact_on_clause_status();
create constraint trigger impact_clause_status_change after update of status on clause_status
    deferrable initially deferred for each row when (new.status is distinct from old.status)
    execute function api.impact_on_clause_status();

-- ---- the clock: person-months as days pass ---------------------------------------------------

-- Move the clock to p_today (default: today, UTC), folding the days in between into hour_days.
-- Exact whenever it runs: a reader adds the days since the clock itself (api.impact_rows_sum);
-- moving it only keeps that addition short. Skipped (false) on a standby, when the clock is
-- already there, or when a writer holds the lock (the next request tries again).
create function api.impact_roll(p_today date default null) returns boolean
language plpgsql as $$
declare
    v_today date := coalesce(p_today, (now() at time zone 'UTC')::date);
    d date;
begin
    if pg_is_in_recovery() then
        return false;
    end if;
    begin
        select day into d from impact_clock where id = 1 for no key update nowait;
    exception when lock_not_available then
        return false;
    end;
    if d >= v_today then
        return false;
    end if;
    update impact_sum set hour_days = hour_days + (v_today - d) * hours_active where hours_active <> 0;
    with ev as (
        select f.*, f.starts_on as day, f.hours as dh from impact_fact f
         where f.starts_on > d and f.starts_on <= v_today
        union all
        select f.*, f.ends_on + 1, -f.hours from impact_fact f
         where f.ends_on >= d and f.ends_on < v_today
    ), per as (
        select s.grp, s.key, s.f_year, s.f_region, s.f_group,
               sum(ev.dh * (v_today - ev.day + 1)) as hd, sum(ev.dh) as ha
          from ev, lateral api.impact_scopes(ev.region, ev.municipality, ev.year, ev.cpv_division, array[ev.target_group]) s
         group by 1, 2, 3, 4, 5
    )
    update impact_sum s set hour_days = s.hour_days + per.hd, hours_active = s.hours_active + per.ha
      from per
     where s.grp = per.grp and s.key = per.key and s.f_year = per.f_year and s.f_region = per.f_region
       and s.f_group = per.f_group;
    update impact_clock set day = v_today where id = 1;
    return true;
end $$;

-- Recompute everything from the base tables (after a bulk load with triggers off, or to check the
-- counters: test_impact compares). Set-based; takes the counters' lock; the clock becomes p_day
-- (default today; an earlier day only to test the reader's and api.impact_roll's catching up).
create function api.impact_rebuild(p_day date default null) returns void
language plpgsql as $$
declare
    d date := coalesce(p_day, (now() at time zone 'UTC')::date);
begin
    perform api.impact_lock();
    perform set_config('work_mem', '256MB', true);   -- for this transaction: sorts stay in memory
    perform set_config('jit', 'off', true);
    update impact_clock set day = d where id = 1;
    delete from impact_sum;
    delete from impact_fact;
    delete from impact_tender;
    insert into impact_fact select * from impact_fact_src;
    insert into impact_tender select * from impact_tender_src;
    -- placements: the 36 scopes of a fact are 24 distinct groupings of (municipality | cpv division,
    -- year, region, target group); one sort-based pass of grouping sets, then each result row is
    -- filed under the scopes it stands for (as api.impact_scopes names them).
    insert into impact_sum (grp, key, f_year, f_region, f_group, placements, persons, hour_days, hours_active)
    with f as (
        select municipality collate "C" as m_, cpv_division collate "C" as c_, year as y_, region collate "C" as r_,
               target_group collate "C" as g_, person_ref::text collate "C" as person_ref,
               hours * greatest(0, least(coalesce(ends_on, d), d) - starts_on + 1) as hd,
               case when starts_on <= d and (ends_on is null or ends_on >= d) then hours else 0 end as ha
          from impact_fact
    ), agg as (
        select grouping(m_, c_, y_, r_, g_) as gb, m_, c_, y_, r_, g_, count(*) as n,
               count(distinct person_ref) as np, coalesce(sum(hd), 0) as hd,
               coalesce(sum(ha), 0) as ha
          from f
         group by grouping sets ((), (y_), (r_), (g_), (y_, r_), (y_, g_), (r_, g_), (y_, r_, g_),
                                 (m_), (m_, y_), (m_, r_), (m_, g_), (m_, y_, r_), (m_, y_, g_), (m_, r_, g_), (m_, y_, r_, g_),
                                 (c_), (c_, y_), (c_, r_), (c_, g_), (c_, y_, r_), (c_, y_, g_), (c_, r_, g_), (c_, y_, r_, g_))
    ), a as (
        select agg.*, case when gb & 4 = 0 then y_ else 0 end as fy, case when gb & 2 = 0 then r_ else '*' end as fr,
               case when gb & 1 = 0 then g_ else '*' end as fg
          from agg
    ), scoped as (
        select 'total' as grp, '' as key, fy, fr, fg, n, np, hd, ha from a where gb & 24 = 24
        union all select 'region', r_, fy, '*', fg, n, np, hd, ha from a where gb & 24 = 24 and gb & 2 = 0
        union all select 'year', y_::text, 0, fr, fg, n, np, hd, ha from a where gb & 24 = 24 and gb & 4 = 0
        union all select 'target_group', g_, fy, fr, '*', n, np, hd, ha from a where gb & 24 = 24 and gb & 1 = 0
        union all select 'municipality', m_, fy, fr, fg, n, np, hd, ha from a where gb & 16 = 0
        union all select 'cpv_division', c_, fy, fr, fg, n, np, hd, ha from a where gb & 8 = 0
    )
    select grp, key, fy, fr, fg, n, np, hd, ha from scoped where fr <> '';
    insert into impact_sum as s (grp, key, f_year, f_region, f_group, tenders, tenders_with_clauses, clauses,
                                 contracts, clauses_fulfilled)
    select sc.grp, sc.key, sc.f_year, sc.f_region, sc.f_group, count(*), sum(x.has_clauses), sum(x.clauses),
           sum(x.contracts), sum(x.fulfilled)
      from (select tender_id, array_agg(target_group) filter (where target_group <> '*') as groups
              from impact_tender group by tender_id) g
      join impact_tender b on b.tender_id = g.tender_id and b.target_group = '*'
     cross join lateral api.impact_scopes(b.region, b.municipality, b.year, b.cpv_division, coalesce(g.groups, '{}')) sc
      join impact_tender x on x.tender_id = g.tender_id and x.target_group = sc.gsel
     group by 1, 2, 3, 4, 5
    on conflict (grp, key, f_year, f_region, f_group) do update
       set tenders = excluded.tenders, tenders_with_clauses = excluded.tenders_with_clauses,
           clauses = excluded.clauses, contracts = excluded.contracts, clauses_fulfilled = excluded.clauses_fulfilled;
end $$;

-- ---- reading -------------------------------------------------------------------------------------

-- One row of an answer before labels and suppression (is_total: the totals).
create type impact_row as (is_total boolean, key text, tenders bigint, tenders_with_clauses bigint, clauses bigint,
                           contracts bigint, clauses_fulfilled bigint, placements bigint, persons bigint,
                           hour_days numeric);

-- Rows of grouping p_grp from the counters, and the totals, person-months as of p_today. The row
-- filters (p_ry, p_rr, p_rg, p_key) are the request's filters normalised for the grouping (a
-- region filter on group_by=region reads the region's row of the unfiltered counters); the
-- totals' (p_fy, p_fr, p_fg) are the request's own. One statement: one snapshot of counters,
-- clock and facts. The days since the clock come from the facts with a start or an end in them.
create function api.impact_rows_sum(p_grp text, p_ry int, p_rr text, p_rg text, p_key text,
                                    p_fy int, p_fr text, p_fg text, p_today date)
returns setof impact_row
language sql stable as $$
    with c as (select day as d, greatest(day, p_today) as t from impact_clock where id = 1),
    s as (
        select false as is_total, x.key, x.tenders, x.tenders_with_clauses, x.clauses, x.contracts,
               x.clauses_fulfilled, x.placements, x.persons, x.hour_days + (c.t - c.d) * x.hours_active as hd
          from impact_sum x, c
         where x.grp = p_grp and x.f_year = p_ry and x.f_region = p_rr and x.f_group = p_rg
           and (p_key is null or x.key = p_key)
        union all
        select true, '', coalesce(x.tenders, 0), coalesce(x.tenders_with_clauses, 0), coalesce(x.clauses, 0),
               coalesce(x.contracts, 0), coalesce(x.clauses_fulfilled, 0), coalesce(x.placements, 0),
               coalesce(x.persons, 0), coalesce(x.hour_days + (c.t - c.d) * x.hours_active, 0)
          from c left join impact_sum x
            on x.grp = 'total' and x.key = '' and x.f_year = p_fy and x.f_region = p_fr and x.f_group = p_fg
    ),
    ev as (
        select f.region, f.municipality, f.year, f.target_group, f.cpv_division, f.starts_on as day, f.hours as dh
          from impact_fact f, c where f.starts_on > c.d and f.starts_on <= c.t
        union all
        select f.region, f.municipality, f.year, f.target_group, f.cpv_division, f.ends_on + 1, -f.hours
          from impact_fact f, c where f.ends_on >= c.d and f.ends_on < c.t
    ),
    evm as (
        select ev.*, ev.dh * (c.t - ev.day + 1) as hd from ev, c
         where (p_fy = 0 or ev.year = p_fy) and (p_fr = '*' or ev.region = p_fr) and (p_fg = '*' or ev.target_group = p_fg)
    ),
    corr as (
        select false as is_total, api.impact_key(p_grp, evm.region, evm.municipality, evm.year, evm.target_group,
                                                 evm.cpv_division) as key, sum(evm.hd) as hd
          from evm group by 2
        union all
        select true, '', sum(evm.hd) from evm
    )
    select s.is_total, s.key, s.tenders, s.tenders_with_clauses, s.clauses, s.contracts, s.clauses_fulfilled,
           s.placements, s.persons, s.hd + coalesce(corr.hd, 0)
      from s left join corr on corr.is_total = s.is_total and corr.key = s.key
$$;

-- The same rows computed from the facts themselves, restricted to one buyer's tenders (p_buyer),
-- or over everything (p_buyer null: the reference the tests compare the counters with).
create function api.impact_rows_direct(p_grp text, p_fy int, p_fr text, p_fg text, p_buyer uuid, p_today date)
returns setof impact_row
language sql stable as $$
    with c as (select greatest(day, p_today) as t from impact_clock where id = 1),
    f as (
        select api.impact_key(p_grp, f.region, f.municipality, f.year, f.target_group, f.cpv_division) as key,
               f.person_ref, f.hours * greatest(0, least(coalesce(f.ends_on, c.t), c.t) - f.starts_on + 1) as hd
          from impact_fact f, c
         where (p_buyer is null or f.buyer_org_id = p_buyer) and (p_fy = 0 or f.year = p_fy)
           and (p_fr = '*' or f.region = p_fr) and (p_fg = '*' or f.target_group = p_fg)
    ),
    t as (
        select x.*, api.impact_key(p_grp, x.region, x.municipality, x.year, x.target_group, x.cpv_division) as key
          from impact_tender x
         where (p_buyer is null or x.buyer_org_id = p_buyer) and (p_fy = 0 or x.year = p_fy)
           and (p_fr = '*' or x.region = p_fr)
    ),
    tr as (
        select t.key, count(*) as tenders, sum(t.has_clauses) as twc, sum(t.clauses) as cl, sum(t.contracts) as k,
               sum(t.fulfilled) as ful
          from t
         where case when p_grp = 'target_group' then t.target_group <> '*' and (p_fg = '*' or t.target_group = p_fg)
                    else t.target_group = p_fg end
         group by t.key
    ),
    pr as (select f.key, count(*) as n, count(distinct f.person_ref) as persons, sum(f.hd) as hd from f group by f.key)
    select false, coalesce(tr.key, pr.key), coalesce(tr.tenders, 0), coalesce(tr.twc, 0), coalesce(tr.cl, 0),
           coalesce(tr.k, 0), coalesce(tr.ful, 0), coalesce(pr.n, 0), coalesce(pr.persons, 0), coalesce(pr.hd, 0)
      from tr full join pr on pr.key = tr.key
    union all
    select true, '', (select count(*) from t where t.target_group = p_fg),
           (select coalesce(sum(t.has_clauses), 0) from t where t.target_group = p_fg),
           (select coalesce(sum(t.clauses), 0) from t where t.target_group = p_fg),
           (select coalesce(sum(t.contracts), 0) from t where t.target_group = p_fg),
           (select coalesce(sum(t.fulfilled), 0) from t where t.target_group = p_fg),
           (select count(*) from f), (select count(distinct f.person_ref) from f),
           (select coalesce(sum(f.hd), 0) from f)
$$;

-- One row of the answer (CONTRACT §8), person figures null when p_suppressed.
create function api.impact_row_json(p_key text, p_label text, p_tenders bigint, p_twc bigint, p_clauses bigint,
                                    p_contracts bigint, p_fulfilled bigint, p_placements bigint, p_persons bigint,
                                    p_hour_days numeric, p_suppressed boolean)
returns json language sql immutable as $$
    select json_build_object('key', p_key, 'label', p_label, 'tenders', p_tenders, 'tenders_with_clauses', p_twc,
        'clauses', p_clauses, 'contracts', p_contracts,
        'placements', case when not p_suppressed then p_placements end,
        'persons', case when not p_suppressed then p_persons end,
        'person_months', case when not p_suppressed then trim_scale(round(p_hour_days / (37.5 * 30.4375), 2)) end,
        'clauses_fulfilled', p_fulfilled,
        'fulfilment_rate', case when p_clauses > 0 then trim_scale(round(p_fulfilled::numeric / p_clauses, 4)) end,
        'suppressed', p_suppressed)
$$;

-- GET /v1/impact. args: group_by (region | municipality | target_group | year | cpv_division,
-- default region), year (YYYY), region (NUTS code), target_group; _suppress_below from the
-- daemon's configuration. Staff (admin, analyst, centre) read the counters; a buyer its own
-- tenders' facts. Suppression: a row counting 1 to k - 1 persons shows no person figures; the
-- totals show none either when any row is suppressed or they count 1 to k - 1 persons
-- themselves (docs/impact.md has the proof that no figure can then be recovered).
create function api.impact(p_args jsonb, out status int, out body text)
language plpgsql as $$
declare
    role text := coalesce(p_args ->> '_role', '');
    v_grp text := coalesce(p_args ->> 'group_by', 'region');
    v_fy int := 0;
    v_fr text := '*';
    v_fg text := '*';
    v_k int := 5;
    v_today date := (now() at time zone 'UTC')::date;
    v_ry int;
    v_rr text;
    v_rg text;
    v_key text;
    v_as_of date;
    v_rows impact_row[];
begin
    if role not in ('admin', 'analyst', 'centre', 'buyer') then
        perform api.fail(403, 'impact reports are for staff and buyers');
    end if;
    if v_grp not in ('region', 'municipality', 'target_group', 'year', 'cpv_division') then
        perform api.fail(400, 'group_by must be one of region, municipality, target_group, year, cpv_division',
                         'group_by');
    end if;
    if p_args ? 'year' then
        if coalesce(p_args ->> 'year', '') !~ '^[0-9]{4}$' or p_args ->> 'year' = '0000' then
            perform api.fail(400, 'year must be a year such as 2026', 'year');
        end if;
        v_fy := (p_args ->> 'year')::int;
    end if;
    if p_args ? 'region' then
        if coalesce(p_args ->> 'region', '') !~ '^[A-Z]{2}[A-Z0-9]{0,3}$' then
            perform api.fail(400, 'region must be a NUTS code such as FI1D3', 'region');
        end if;
        v_fr := p_args ->> 'region';
    end if;
    if p_args ? 'target_group' then
        if coalesce(p_args ->> 'target_group', '') not in ('partially_able', 'long_term_unemployed', 'youth',
                                                           'disabled', 'immigrant', 'older_worker', 'other') then
            perform api.fail(400, 'target_group must be one of partially_able, long_term_unemployed, youth, '
                                  'disabled, immigrant, older_worker, other', 'target_group');
        end if;
        v_fg := p_args ->> 'target_group';
    end if;
    if p_args ? '_suppress_below' then
        v_k := (p_args ->> '_suppress_below')::int;
    end if;

    -- the filters as the grouping's counter rows hold them
    v_ry := case when v_grp = 'year' then 0 else v_fy end;
    v_rr := case when v_grp = 'region' then '*' else v_fr end;
    v_rg := case when v_grp = 'target_group' then '*' else v_fg end;
    v_key := case when v_grp = 'year' and v_fy <> 0 then v_fy::text
                  when v_grp = 'region' and v_fr <> '*' then v_fr
                  when v_grp = 'target_group' and v_fg <> '*' then v_fg end;

    if role <> 'buyer' then
        perform api.impact_roll(v_today);   -- keeps the days a reader adds up short; exact either way
    end if;
    select greatest(day, v_today) into v_as_of from impact_clock where id = 1;

    if role = 'buyer' then
        select array_agg(x) into v_rows
          from api.impact_rows_direct(v_grp, v_fy, v_fr, v_fg, (p_args ->> '_org')::uuid, v_today) x
         where x.is_total or ((v_key is null or x.key = v_key) and (x.tenders <> 0 or x.placements <> 0));
    else
        select array_agg(x) into v_rows
          from api.impact_rows_sum(v_grp, v_ry, v_rr, v_rg, v_key, v_fy, v_fr, v_fg, v_today) x
         where x.is_total or x.tenders <> 0 or x.placements <> 0;
    end if;

    with r as (
        select a.*, a.persons between 1 and v_k - 1 as small from unnest(v_rows) a where not a.is_total
    ), t as (
        select a.* from unnest(v_rows) a where a.is_total
    )
    select 200, json_build_object(
        'group_by', v_grp, 'suppressed_below', v_k, 'as_of', to_char(v_as_of, 'YYYY-MM-DD'),
        'rows', coalesce((select json_agg(api.impact_row_json(nullif(r.key, ''),
                    case when r.key = '' then null
                         when v_grp = 'region' then coalesce((select g.label from impact_region g where g.code = r.key), r.key)
                         else r.key end,
                    r.tenders, r.tenders_with_clauses, r.clauses, r.contracts, r.clauses_fulfilled, r.placements,
                    r.persons, r.hour_days, r.small) order by r.key = '', r.key) from r), '[]'::json),
        'totals', (select api.impact_row_json('total', 'Yhteensä', t.tenders, t.tenders_with_clauses, t.clauses,
                    t.contracts, t.clauses_fulfilled, t.placements, t.persons, t.hour_days,
                    t.persons between 1 and v_k - 1 or exists (select 1 from r where r.small)) from t)
    )::text into status, body;
end $$;

-- How far the counters are from the base tables: the number of facts, tender rows and answer
-- rows (every grouping under no filter and under each year, region and target group that occurs)
-- on which the stored state and a computation from scratch differ. 0 when all is well. Costs a
-- scan of everything per combination: a tool for tests and operators, not for requests.
create function api.impact_verify() returns bigint
language sql stable as $$
    with d as (select (now() at time zone 'UTC')::date as today),
    g(grp) as (values ('region'), ('municipality'), ('target_group'), ('year'), ('cpv_division')),
    fy(y) as (select 0 union select distinct year from impact_fact union select distinct year from impact_tender),
    fr(r) as (select '*' union select distinct region from impact_fact where region <> ''
              union select distinct region from impact_tender where region <> ''),
    fg(gr) as (select '*' union select distinct target_group from impact_fact
               union select distinct target_group from impact_tender where target_group <> '*'),
    combos as (select * from g, fy, fr, fg),
    a as (select c.grp, c.y, c.r, c.gr, x.*
            from combos c, d, lateral api.impact_rows_sum(c.grp, case when c.grp = 'year' then 0 else c.y end,
                 case when c.grp = 'region' then '*' else c.r end, case when c.grp = 'target_group' then '*' else c.gr end,
                 case when c.grp = 'year' and c.y <> 0 then c.y::text when c.grp = 'region' and c.r <> '*' then c.r
                      when c.grp = 'target_group' and c.gr <> '*' then c.gr end, c.y, c.r, c.gr, d.today) x
           where x.is_total or x.tenders <> 0 or x.placements <> 0),
    b as (select c.grp, c.y, c.r, c.gr, x.*
            from combos c, d, lateral api.impact_rows_direct(c.grp, c.y, c.r, c.gr, null, d.today) x
           where x.is_total or x.tenders <> 0 or x.placements <> 0)
    select (select count(*) from ((select * from a except all select * from b)
                                  union all (select * from b except all select * from a)) x)
         + (select count(*) from ((select * from impact_fact except all select * from impact_fact_src)
                                  union all (select * from impact_fact_src except all select * from impact_fact)) x)
         + (select count(*) from ((select * from impact_tender except all select * from impact_tender_src)
                                  union all (select * from impact_tender_src except all select * from impact_tender)) x)
$$;

-- Counters for whatever the earlier migrations (or make run) already hold.
select api.impact_rebuild();
