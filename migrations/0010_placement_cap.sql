-- 0010_placement_cap.sql - a contract may hold up to 20,000 placements: compliance sorts a
-- contract's placements by person (O(n log n)) instead of comparing every pair, so the cap that
-- kept the quadratic count short on a worker's loop can rise. The daemon's COMPLIANCE_MAX_PLACEMENTS
-- (services/clausetrackd/daemon.h) agrees.
create or replace function api.max_placements() returns int language sql immutable as $$ select 20000 $$;
