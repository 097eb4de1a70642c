// app.js - the impact dashboard's behaviour: keeps the token in sessionStorage only, asks
// GET /v1/impact (group_by=year for the year list, group_by=region for the figures) with it,
// fills the table, draws the bar chart as hand-written SVG (no library: nothing to download,
// nothing to audit, and the table beside it carries the same figures for screen readers), and
// downloads the CSV through fetch so the token travels in a header, never in a URL.
'use strict';

(function () {
    const TOKEN_KEY = 'clausetrack.token';
    const SVG_NS = 'http://www.w3.org/2000/svg';
    const NUMBER = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
    const MONTHS = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const PERCENT = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 1 });
    const FIELDS = ['tenders', 'tenders_with_clauses', 'clauses', 'contracts', 'placements', 'persons',
                    'person_months', 'clauses_fulfilled', 'fulfilment_rate'];
    const PERSON_FIELDS = ['placements', 'persons', 'person_months'];

    const $ = (id) => document.getElementById(id);
    const form = $('token-form');
    const tokenInput = $('token');
    const yearSelect = $('year');
    const groupSelect = $('target-group');
    const csvButton = $('csv');
    const statusBox = $('status');
    const errorBox = $('error');
    let lastAnswer = null;
    let generation = 0;

    function token() {
        return sessionStorage.getItem(TOKEN_KEY) || '';
    }

    function setStatus(text) {
        statusBox.textContent = text;
    }

    function showError(text) {
        errorBox.textContent = text;
        errorBox.hidden = !text;
    }

    // A sentence for a failed answer: what happened and what to do.
    function problemText(status, problem) {
        if (status === 401) return 'The token is not valid. Check it, or ask for a new one.';
        if (status === 403) return 'The token is valid, but its organisation may not see impact figures.';
        if (status === 400) return 'The server did not accept the request: ' + ((problem && problem.detail) || 'bad request') + '.';
        if (status === 503) return 'The database is not answering just now. Try again in a moment.';
        return 'The server could not answer (HTTP ' + status + '). Try again later.';
    }

    function query(params) {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
        return '/v1/impact?' + q.toString();
    }

    // GET with the token; resolves to the parsed JSON, or throws an Error whose message is for people.
    async function getJSON(url) {
        let res;
        try {
            res = await fetch(url, { headers: { 'Authorization': 'Bearer ' + token(), 'Accept': 'application/json' },
                                     cache: 'no-store', credentials: 'omit' });
        } catch (e) {
            throw new Error('The server cannot be reached. Check the connection and try again.');
        }
        let body = null;
        try { body = await res.json(); } catch (e) { body = null; }
        if (!res.ok) throw new Error(problemText(res.status, body));
        return body;
    }

    function filters() {
        return { year: yearSelect.value, target_group: groupSelect.value };
    }

    function regionName(row) {
        return row.label || (row.key ? row.key : 'Region not known');
    }

    function cellText(row, field) {
        const v = row[field];
        if (row.suppressed && PERSON_FIELDS.includes(field)) return 'suppressed';
        if (v === null || v === undefined) return '–';
        if (field === 'person_months') return MONTHS.format(v);
        if (field === 'fulfilment_rate') return PERCENT.format(v);
        return NUMBER.format(v);
    }

    function fillRow(tr, row, header) {
        const th = document.createElement('th');
        th.scope = 'row';
        th.textContent = header;
        tr.appendChild(th);
        for (const f of FIELDS) {
            const td = document.createElement('td');
            td.className = 'num';
            td.dataset.field = f;
            const text = cellText(row, f);
            td.textContent = text;
            if (text === 'suppressed') td.classList.add('suppressed');
            tr.appendChild(td);
        }
    }

    function renderTable(answer) {
        const tbody = document.querySelector('#impact-table tbody');
        const tfoot = document.querySelector('#impact-table tfoot');
        tbody.replaceChildren();
        tfoot.replaceChildren();
        const rows = answer.rows.slice().sort((a, b) => regionName(a).localeCompare(regionName(b), 'fi'));
        for (const row of rows) {
            const tr = document.createElement('tr');
            tr.dataset.key = row.key === null ? '' : row.key;
            fillRow(tr, row, regionName(row));
            tbody.appendChild(tr);
        }
        const tr = document.createElement('tr');
        tr.dataset.key = 'total';
        fillRow(tr, answer.totals, 'All regions');
        tfoot.appendChild(tr);
        const f = filters();
        const parts = [];
        parts.push(f.year ? 'year ' + f.year : 'all years');
        parts.push(f.target_group ? groupSelect.options[groupSelect.selectedIndex].text.toLowerCase() : 'all target groups');
        $('table-caption').textContent = 'Figures by region, ' + parts.join(', ') + ' (person-months up to ' + answer.as_of + ').';
        $('suppression-note').textContent = rows.some((r) => r.suppressed)
            ? 'Person figures of regions with fewer than ' + answer.suppressed_below + ' persons are suppressed, and so are the totals’ person figures.'
            : '';
    }

    function svg(name, attrs, text) {
        const el = document.createElementNS(SVG_NS, name);
        for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
        if (text !== undefined) el.textContent = text;
        return el;
    }

    // A horizontal bar per region: persons employed. Suppressed regions get a dashed outline.
    function renderChart(answer) {
        const box = $('chart');
        box.replaceChildren();
        const rows = answer.rows.slice().sort((a, b) => regionName(a).localeCompare(regionName(b), 'fi'));
        if (rows.length === 0) {
            box.appendChild(document.createTextNode('No figures for these filters.'));
            return;
        }
        const labelW = 190, barW = 460, valueW = 90, rowH = 26, top = 8;
        const width = labelW + barW + valueW;
        const height = top * 2 + rows.length * rowH;
        const max = Math.max(1, ...rows.map((r) => (r.suppressed ? 0 : r.persons || 0)));
        const root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img',
                                  'aria-labelledby': 'chart-svg-title chart-svg-desc' });
        root.appendChild(svg('title', { id: 'chart-svg-title' }, 'Persons employed by region'));
        const desc = rows.map((r) => regionName(r) + ': ' + (r.suppressed ? 'suppressed' : (r.persons || 0) + ' persons')).join('; ');
        root.appendChild(svg('desc', { id: 'chart-svg-desc' }, desc));
        rows.forEach((r, i) => {
            const y = top + i * rowH;
            root.appendChild(svg('text', { x: labelW - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end' }, regionName(r)));
            if (r.suppressed) {
                root.appendChild(svg('rect', { class: 'bar-suppressed', x: labelW, y: y + 4, width: 40, height: rowH - 8 }));
                root.appendChild(svg('text', { class: 'value', x: labelW + 48, y: y + rowH / 2 + 4 }, 'suppressed'));
            } else {
                const w = Math.round(barW * (r.persons || 0) / max);
                root.appendChild(svg('rect', { class: 'bar', x: labelW, y: y + 4, width: Math.max(w, 1), height: rowH - 8 }));
                root.appendChild(svg('text', { class: 'value', x: labelW + Math.max(w, 1) + 6, y: y + rowH / 2 + 4 },
                                     NUMBER.format(r.persons || 0)));
            }
        });
        box.appendChild(root);
    }

    function setEnabled(on) {
        yearSelect.disabled = !on;
        groupSelect.disabled = !on;
        csvButton.disabled = !on;
    }

    function clearFigures() {
        document.querySelector('#impact-table tbody').replaceChildren();
        document.querySelector('#impact-table tfoot').replaceChildren();
        $('chart').replaceChildren();
        $('table-caption').textContent = 'Enter a token to see the figures.';
        $('suppression-note').textContent = '';
        lastAnswer = null;
    }

    async function loadYears() {
        const answer = await getJSON(query({ group_by: 'year' }));
        const keep = yearSelect.value;
        const years = answer.rows.map((r) => r.key).filter((k) => k).sort().reverse();
        yearSelect.replaceChildren(new Option('All years', ''));
        for (const y of years) yearSelect.appendChild(new Option(y, y));
        yearSelect.value = years.includes(keep) ? keep : '';
    }

    async function loadFigures() {
        const mine = ++generation;
        setStatus('Loading…');
        showError('');
        try {
            const answer = await getJSON(query(Object.assign({ group_by: 'region' }, filters())));
            if (mine !== generation) return;
            lastAnswer = answer;
            renderTable(answer);
            renderChart(answer);
            setEnabled(true);
            setStatus('Showing ' + answer.rows.length + ' region' + (answer.rows.length === 1 ? '' : 's') + '.');
        } catch (e) {
            if (mine !== generation) return;
            clearFigures();
            showError(e.message);
            setStatus('');
        }
    }

    async function start() {
        if (!token()) {
            setEnabled(false);
            clearFigures();
            setStatus('');
            return;
        }
        showError('');
        setStatus('Loading…');
        try {
            await loadYears();
        } catch (e) {
            setEnabled(false);
            clearFigures();
            showError(e.message);
            setStatus('');
            return;
        }
        await loadFigures();
    }

    async function downloadCSV() {
        showError('');
        let res;
        try {
            res = await fetch(query(Object.assign({ group_by: 'region', format: 'csv' }, filters())),
                              { headers: { 'Authorization': 'Bearer ' + token(), 'Accept': 'text/csv' },
                                cache: 'no-store', credentials: 'omit' });
        } catch (e) {
            showError('The server cannot be reached. Check the connection and try again.');
            return;
        }
        if (!res.ok) {
            let body = null;
            try { body = await res.json(); } catch (e) { body = null; }
            showError(problemText(res.status, body));
            return;
        }
        const blob = await res.blob();
        const disposition = res.headers.get('Content-Disposition') || '';
        const m = /filename="([^"]+)"/.exec(disposition);
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = m ? m[1] : 'impact.csv';
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 10000);
        setStatus('Downloaded ' + a.download + '.');
    }

    form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const t = tokenInput.value.trim();
        if (!t) {
            showError('Enter an API token first.');
            tokenInput.focus();
            return;
        }
        sessionStorage.setItem(TOKEN_KEY, t);
        start();
    });
    $('token-forget').addEventListener('click', () => {
        sessionStorage.removeItem(TOKEN_KEY);
        tokenInput.value = '';
        showError('');
        start();
        tokenInput.focus();
    });
    yearSelect.addEventListener('change', loadFigures);
    groupSelect.addEventListener('change', loadFigures);
    csvButton.addEventListener('click', downloadCSV);

    if (token()) tokenInput.value = token();
    start();
})();
