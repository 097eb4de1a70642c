// dashboard.test.js - the impact dashboard in headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core) against the real daemon with the demo data, as tests/browser/run starts it:
// a wrong token gets a clear message, the right one shows the region table whose figures equal
// what run computed straight from the tables with SQL, changing the year changes them, the CSV
// downloads, the token stays in sessionStorage only. Prints "N passed, N failed"; exits non-zero
// on any failure, including a browser that cannot start.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const base = process.env.CT_BROWSER_URL;
const token = process.env.CT_BROWSER_TOKEN;
const expected = JSON.parse(process.env.CT_BROWSER_EXPECT || '{}');
const artifacts = process.env.CT_BROWSER_ARTIFACTS || 'build/artifacts';
const userDataDir = process.env.CT_BROWSER_PROFILE;

let passed = 0;
let failed = 0;

async function check(name, fn) {
    try {
        await fn();
        passed++;
        console.log('ok   ' + name);
    } catch (e) {
        failed++;
        console.log('FAIL ' + name + '\n     ' + String(e && e.stack || e).split('\n').join('\n     '));
    }
}

function assertEqual(got, want, what) {
    if (String(got) !== String(want)) throw new Error(what + ': expected ' + want + ', got ' + got);
}

// The figures the table shows for one region, as numbers (thousands separators removed).
async function regionFigures(page, key) {
    const row = page.locator('#impact-table tbody tr[data-key="' + key + '"]');
    await row.waitFor({ state: 'visible', timeout: 10000 });
    const out = { name: (await row.locator('th').innerText()).trim() };
    for (const f of ['tenders', 'tenders_with_clauses', 'clauses', 'contracts', 'placements', 'persons', 'person_months']) {
        out[f] = (await row.locator('td[data-field="' + f + '"]').innerText()).trim().replace(/,/g, '');
    }
    return out;
}

async function main() {
    if (!base || !token || !expected.region) {
        console.log('FAIL set-up: CT_BROWSER_URL, CT_BROWSER_TOKEN and CT_BROWSER_EXPECT come from tests/browser/run');
        console.log('0 passed, 1 failed');
        process.exit(1);
    }
    fs.mkdirSync(artifacts, { recursive: true });
    let context;
    try {
        context = await chromium.launchPersistentContext(userDataDir, {
            executablePath: '/usr/bin/chromium',
            headless: true,
            args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                   '--disable-component-update', '--disable-sync', '--no-first-run'],
            acceptDownloads: true,
            viewport: { width: 1400, height: 1000 },
        });
    } catch (e) {
        console.log('FAIL chromium starts: ' + (e && e.message || e));
        console.log('0 passed, 1 failed');
        process.exit(1);
    }
    const page = context.pages()[0] || await context.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    const offsite = [];
    page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) offsite.push(r.url()); });

    const r = expected.region;
    const allYears = expected.all;
    const oneYear = expected.year;

    await check('the page loads with a labelled token field and no figures', async () => {
        const res = await page.goto(base + '/');
        assertEqual(res.status(), 200, 'status of /');
        assertEqual(await page.title(), 'clausetrack – employment clause impact', 'title');
        const label = await page.locator('label[for="token"]').innerText();
        assertEqual(label, 'API token', 'token label');
        assertEqual(await page.locator('#impact-table tbody tr').count(), 0, 'rows before a token');
        assertEqual(await page.locator('#year').isDisabled(), true, 'year filter disabled before a token');
    });

    await check('a wrong token is answered "the token is not valid"', async () => {
        await page.locator('#token').fill('ct_this_is_not_a_real_token_0000000000000000');
        await page.keyboard.press('Enter');
        const err = page.locator('#error');
        await err.waitFor({ state: 'visible', timeout: 10000 });
        const text = await err.innerText();
        if (!/the token is not valid/i.test(text)) throw new Error('error text: ' + text);
    });

    await check('the right token shows ' + r + ' with the figures SQL gives', async () => {
        await page.locator('#token').fill(token);
        await page.locator('#token').focus();
        await page.keyboard.press('Enter');
        await page.locator('#error').waitFor({ state: 'hidden', timeout: 10000 });
        const got = await regionFigures(page, r);
        assertEqual(got.name, expected.label, 'region name');
        for (const f of ['tenders', 'tenders_with_clauses', 'clauses', 'contracts', 'placements', 'persons', 'person_months']) {
            assertEqual(got[f], allYears[f], r + ' ' + f + ' (all years)');
        }
    });

    await check('the token is kept in sessionStorage only', async () => {
        const where = await page.evaluate(() => ({
            session: sessionStorage.getItem('clausetrack.token'),
            local: Object.keys(localStorage).length,
            cookie: document.cookie,
        }));
        assertEqual(where.session, token, 'sessionStorage');
        assertEqual(where.local, 0, 'localStorage keys');
        assertEqual(where.cookie, '', 'cookies');
    });

    await check('the chart draws a labelled SVG bar per region', async () => {
        const svg = page.locator('#chart svg[role="img"]');
        await svg.waitFor({ timeout: 5000 });
        const title = await svg.locator('title').textContent();
        assertEqual(title, 'Persons employed by region', 'chart title');
        const desc = await svg.locator('desc').textContent();
        if (!desc.includes(expected.label + ': ' + allYears.persons + ' persons')) throw new Error('chart description: ' + desc);
        const bars = await svg.locator('rect.bar, rect.bar-suppressed').count();
        assertEqual(bars, await page.locator('#impact-table tbody tr').count(), 'bars');
    });

    await check('choosing year ' + expected.year_value + ' changes the figures to that year\'s', async () => {
        const select = page.locator('#year');
        await select.focus();
        await select.selectOption(expected.year_value);
        await page.waitForFunction((y) => document.getElementById('table-caption').textContent.includes('year ' + y),
                                   expected.year_value, { timeout: 10000 });
        const got = await regionFigures(page, r);
        for (const f of ['tenders', 'tenders_with_clauses', 'clauses', 'contracts', 'placements', 'persons', 'person_months']) {
            assertEqual(got[f], oneYear[f], r + ' ' + f + ' (' + expected.year_value + ')');
        }
        if (got.persons === allYears.persons && got.tenders === allYears.tenders) throw new Error('the figures did not change');
    });

    await check('a small region is shown as suppressed', async () => {
        await page.locator('#year').selectOption('');
        await page.waitForFunction(() => document.getElementById('table-caption').textContent.includes('all years'), null,
                                   { timeout: 10000 });
        const row = page.locator('#impact-table tbody tr[data-key="' + expected.small_region + '"]');
        await row.waitFor({ timeout: 5000 });
        assertEqual((await row.locator('td[data-field="persons"]').innerText()).trim(), 'suppressed', 'persons of ' + expected.small_region);
        assertEqual((await page.locator('#impact-table tfoot td[data-field="persons"]').innerText()).trim(), 'suppressed', 'total persons');
    });

    await check('the CSV download holds the same figures', async () => {
        const [download] = await Promise.all([
            page.waitForEvent('download', { timeout: 10000 }),
            page.locator('#csv').click(),
        ]);
        const file = path.join(artifacts, download.suggestedFilename());
        await download.saveAs(file);
        const text = fs.readFileSync(file, 'utf8');
        const lines = text.split('\r\n');
        assertEqual(lines[0], 'key,label,tenders,tenders_with_clauses,clauses,contracts,placements,persons,person_months,clauses_fulfilled,fulfilment_rate,suppressed', 'header');
        const line = lines.find((l) => l.startsWith('"' + r + '"'));
        if (!line) throw new Error('no ' + r + ' line in ' + text);
        const cells = line.split(',');
        assertEqual(cells[1], '"' + expected.label + '"', 'label');
        assertEqual(cells[2], allYears.tenders, 'tenders');
        assertEqual(cells[7], allYears.persons, 'persons');
        assertEqual(Number(cells[8]).toFixed(2), allYears.person_months, 'person_months');
    });

    await check('"Forget token" clears it and the figures', async () => {
        await page.locator('#token-forget').click();
        assertEqual(await page.evaluate(() => sessionStorage.getItem('clausetrack.token')), null, 'sessionStorage');
        assertEqual(await page.locator('#impact-table tbody tr').count(), 0, 'rows');
        await page.locator('#token').fill(token);
        await page.keyboard.press('Enter');
        await regionFigures(page, r);
    });

    await check('nothing was fetched from elsewhere and the console stayed clean', async () => {
        assertEqual(offsite.length, 0, 'requests to other origins (' + offsite.join(' ') + ')');
        assertEqual(consoleErrors.filter((e) => !/401/.test(e)).length, 0, 'console errors (' + consoleErrors.join(' | ') + ')');
    });

    const shot = path.join(artifacts, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log('screenshot: ' + path.resolve(shot));
    await context.close();
    console.log(passed + ' passed, ' + failed + ' failed');
    process.exit(failed ? 1 : 0);
}

main().catch((e) => {
    console.log('FAIL ' + (e && e.stack || e));
    console.log(passed + ' passed, ' + (failed + 1) + ' failed');
    process.exit(1);
});
