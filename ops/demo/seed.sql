-- ops/demo/seed.sql - the demo organisations `make run` creates on first start (fixed ids,
-- so a second run finds them and changes nothing). Y-tunnus values carry valid check digits.
insert into organizations (id, name, kind, country, business_id, region, municipality_code, social_enterprise) values
    ('00000000-0000-4000-8000-000000000001', 'Clausetrack-ylläpito', 'admin', 'FIN', null, null, null, false),
    ('00000000-0000-4000-8000-000000000002', 'Joensuun kaupunki', 'buyer', 'FIN', '0204819-8', 'FI1D3', '167', false),
    ('00000000-0000-4000-8000-000000000003', 'Karjalan Siivous Oy', 'supplier', 'FIN', '1234567-1', 'FI1D3', '167', false),
    ('00000000-0000-4000-8000-000000000004', 'Kuntaliitto', 'analyst', 'FIN', '0926151-4', 'FI1B1', '091', false),
    ('00000000-0000-4000-8000-000000000005', 'Yhteiskunnallisten yritysten osaamiskeskus', 'centre', 'FIN', null, 'FI1B1', '091', false)
on conflict do nothing;
