-- 0002_tenders.sql - tenders with lots and signals, the notices they were imported from,
-- employment clauses, contracts with the supplier's commitments, and the event outbox that
-- every change writes to in its own transaction (CONTRACT §4-§6, §9).

create table tenders (
    id uuid primary key default gen_random_uuid(),
    buyer_org_id uuid not null references organizations (id),
    title text not null check (length(title) between 1 and 1000),
    description text check (length(description) <= 20000),
    procedure_id text check (length(procedure_id) between 1 and 200),       -- BT-04
    notice_id text check (length(notice_id) between 1 and 200),             -- BT-701 of the latest notice
    nature text check (nature in ('works', 'services', 'supplies')),
    cpv char(8) check (cpv ~ '^[0-9]{8}$'),
    estimated_value numeric(18, 2) check (estimated_value >= 0),
    currency char(3) not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
    region text check (region ~ '^[A-Z]{2}[A-Z0-9]{0,3}$'),
    municipality_code text check (municipality_code ~ '^[0-9]{3}$'),
    deadline date,
    status text not null default 'open' check (status in ('planned', 'open', 'awarded', 'cancelled', 'closed')),
    source text not null default 'api' check (source in ('api', 'eforms', 'xml')),
    created_at timestamptz not null default clock_timestamp(),
    updated_at timestamptz not null default clock_timestamp()
);
create unique index tenders_procedure on tenders (procedure_id) where procedure_id is not null;
create index tenders_created on tenders (created_at, id);
create index tenders_buyer on tenders (buyer_org_id, created_at, id);

create table lots (
    tender_id uuid not null references tenders (id) on delete cascade,
    lot_ref text not null check (length(lot_ref) between 1 and 50),
    title text check (length(title) <= 1000),
    cpv char(8) check (cpv ~ '^[0-9]{8}$'),
    estimated_value numeric(18, 2) check (estimated_value >= 0),
    position int not null default 0,
    primary key (tender_id, lot_ref)
);

create table tender_signals (
    tender_id uuid not null references tenders (id) on delete cascade,
    code text not null check (length(code) between 1 and 100),
    source text not null check (length(source) between 1 and 20),
    lot_ref text,
    text text check (length(text) <= 2000)
);
create unique index tender_signals_unique on tender_signals (tender_id, code, source, coalesce(lot_ref, ''));
create index tender_signals_code on tender_signals (code, tender_id);

create table notices (
    notice_id text not null,                   -- BT-701
    version text not null,                     -- BT-757
    tender_id uuid references tenders (id) on delete set null,
    format text not null check (format in ('eforms', 'xml')),
    notice_type text not null,
    subtype text,
    issue_date date,
    content_hash char(64) not null,
    imported_by uuid references organizations (id),
    imported_at timestamptz not null default clock_timestamp(),
    primary key (notice_id, version)
);

create table clauses (
    id uuid primary key default gen_random_uuid(),
    tender_id uuid not null references tenders (id),
    lot_ref text,
    kind text not null check (kind in ('hire_persons', 'person_months', 'apprenticeships', 'work_trials',
                                       'social_enterprise_share')),
    target_groups text[] not null check (cardinality(target_groups) between 1 and 7 and target_groups <@
        array['partially_able', 'long_term_unemployed', 'youth', 'disabled', 'immigrant', 'older_worker', 'other']),
    quantity numeric(12, 2) not null check (quantity > 0),
    min_months_per_person numeric(6, 2) not null default 6 check (min_months_per_person > 0),
    min_weekly_hours numeric(5, 2) not null default 0 check (min_weekly_hours between 0 and 80),
    reporting text not null default 'monthly' check (reporting in ('monthly', 'quarterly')),
    sanction_eur numeric(14, 2) check (sanction_eur >= 0),
    description text check (length(description) <= 5000),
    created_at timestamptz not null default clock_timestamp(),
    updated_at timestamptz not null default clock_timestamp(),
    foreign key (tender_id, lot_ref) references lots (tender_id, lot_ref),
    check (kind <> 'social_enterprise_share' or quantity <= 100)
);
create index clauses_tender on clauses (tender_id, created_at, id);

create table contracts (
    id uuid primary key default gen_random_uuid(),
    tender_id uuid not null references tenders (id),
    lot_ref text,
    supplier_org_id uuid not null references organizations (id),
    contract_ref text check (length(contract_ref) <= 200),
    signed_on date,
    starts_on date not null,
    ends_on date not null,
    value numeric(18, 2) check (value >= 0),
    currency char(3) not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
    source text not null default 'api' check (source in ('api', 'eforms', 'xml')),
    created_at timestamptz not null default clock_timestamp(),
    foreign key (tender_id, lot_ref) references lots (tender_id, lot_ref),
    check (ends_on >= starts_on)
);
create index contracts_tender on contracts (tender_id, created_at, id);
create index contracts_supplier on contracts (supplier_org_id, created_at, id);
create index contracts_created on contracts (created_at, id);
create unique index contracts_notice_ref on contracts (tender_id, coalesce(lot_ref, ''), supplier_org_id, coalesce(contract_ref, ''));

create table commitments (
    contract_id uuid not null references contracts (id) on delete cascade,
    clause_id uuid not null references clauses (id),
    quantity numeric(12, 2) not null check (quantity > 0),
    primary key (contract_id, clause_id)
);

-- Every event, written in the transaction of the change that caused it (CONTRACT §9).
-- buyer_org_id scopes it for buyers' subscriptions; data never holds a person reference
-- unless has_person_data is set (placement events, for the buyer only).
create table outbox (
    seq bigserial primary key,
    id text not null unique default 'evt_' || replace(gen_random_uuid()::text, '-', ''),
    type text not null,
    buyer_org_id uuid,
    tender_id uuid,
    has_person_data boolean not null default false,
    created_at timestamptz not null default clock_timestamp(),
    data jsonb not null
);
create index outbox_created on outbox (created_at);

create function api.emit(p_type text, p_buyer uuid, p_tender uuid, p_data jsonb, p_person boolean default false)
returns void language sql as $$
    insert into outbox (type, buyer_org_id, tender_id, has_person_data, data)
    values (p_type, p_buyer, p_tender, p_person, p_data)
$$;

create function api.ts(p timestamptz) returns text
language sql immutable as $$ select to_char(p at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

create function api.money(p_amount numeric, p_currency text) returns jsonb
language sql immutable as $$
    select case when p_amount is null then null
                else jsonb_build_object('amount', p_amount, 'currency', coalesce(p_currency, 'EUR')) end
$$;

create function api.not_found(p_what text, out status int, out body text)
language sql immutable as $$
    select 404, jsonb_build_object('type', 'urn:clausetrack:problem:not-found', 'title', 'Not Found',
        'status', 404, 'detail', 'no such ' || p_what)::text
$$;
