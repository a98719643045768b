import type { Sql } from '../db';

/**
 * The standalone demo's rows (gateway/seed.ts, gateway/demo.ts decide when; this file is how). Deterministic
 * variety comes from hashtext of ids and times, never randomness between runs.
 */
export const demoRepo = {
  /** Meters in the registry (the demo fleet is seeded only into an empty one). */
  async meterCount(sql: Sql): Promise<number> {
    return Number((await sql.one<{ n: string }>(`select count(*) as n from meters`))?.n ?? 0);
  },

  /** Whether the demo fleet is there (its Calin meter or an earlier run's EMLITE ones). */
  async demoFleetExists(sql: Sql): Promise<boolean> {
    return (await sql.one(`select 1 from meters where id like 'mtr-e%' or id = 'mtr-n1' limit 1`)) !== undefined;
  },

  /** Whether a table the demo story fills has any row yet. */
  async hasAny(sql: Sql, table: 'issues' | 'meter_commissionings' | 'batch_executions' | 'plant_samples' | 'register_interval_hh'): Promise<boolean> {
    return (await sql.one(`select 1 from ${table} limit 1`)) !== undefined;
  },

  /** How many of these credentials exist, and how many plants use them. */
  async credentialsAndPlants(sql: Sql, credentialIds: string[]): Promise<{ credentials: number; plants: number }> {
    const list = credentialIds.map(() => '?').join(',');
    const r = await sql.one<{ credentials: string; plants: string }>(
      `select (select count(*) from integration_credentials where id in (${list})) as credentials,
              (select count(*) from plants where credential_id in (${list})) as plants`, [...credentialIds, ...credentialIds]);
    return { credentials: Number(r?.credentials ?? 0), plants: Number(r?.plants ?? 0) };
  },

  /** Points a credential at another vendor base URL (a simulator's port changes every start). */
  async setCredentialBaseUrl(sql: Sql, credentialId: string, baseUrl: string): Promise<void> {
    await sql.run(`update integration_credentials set base_url = ?, updated_at = now() where id = ?`, [baseUrl, credentialId]);
  },

  /** A week of daily energy and half-hourly power of every plant, hourly credit of the non-EMLITE meters, a day of polls. */
  async writeHistory(sql: Sql): Promise<void> {
    // Deterministic variety from the plant id and the day: a cloudy day now and then, never random between runs.
    await sql.run(`
      insert into metric_snapshots(plant_id, date, today_energy_kwh, current_power_w, source)
      select p.id, d::date, round((coalesce(p.capacity_kwp, 10) * (2.8 + 2.2 * abs(sin(hashtext(p.id || d::text)))))::numeric, 3), null, 'BACKFILL'
        from plants p, generate_series(current_date - 7, current_date - 1, interval '1 day') d
      on conflict (plant_id, date) do nothing`);
    await sql.run(`
      insert into plant_samples(plant_id, at, power_w, today_energy_kwh)
      select p.id, t, round((greatest(0, sin(pi() * (extract(hour from t) + extract(minute from t) / 60 - 6) / 12))
                             * coalesce(p.capacity_kwp, 10) * 800 * (0.7 + 0.3 * abs(sin(hashtext(p.id || t::date::text)))))::numeric, 1), null
        from plants p, generate_series(date_trunc('hour', now()) - interval '7 days', now() - interval '30 minutes', interval '30 minutes') t`);
    await sql.run(`
      insert into meter_samples(meter_id, at, kwh_credit, is_on, power_limit)
      select m.id, t, round((40 - mod(extract(epoch from t - (now() - interval '7 days'))::numeric / 3600 * (0.2 + mod(abs(hashtext(m.id)), 5) * 0.05), 35))::numeric, 3), true, m.power_limit
        from meters m, generate_series(date_trunc('hour', now()) - interval '7 days', now() - interval '1 hour', interval '1 hour') t
       where m.communication_protocol <> 'EMLITE'`);
    await sql.run(`
      insert into poll_logs(id, plant_id, trigger, started_at, finished_at, duration_ms, status, vendor_calls)
      select 'demo-' || p.id || '-' || extract(epoch from t)::bigint, p.id, 'SCHEDULE', t, t + (d || ' milliseconds')::interval, d,
             case when mod(abs(hashtext(p.id || t::text)), 40) = 0 then 'FAILED' else 'SUCCESS' end, 2
        from plants p, generate_series(date_trunc('hour', now()) - interval '24 hours', now() - interval '10 minutes', interval '10 minutes') t,
             lateral (select 150 + mod(abs(hashtext(p.id || t::text)), 900) as d) x`);
  },

  /**
   * A week of half-hourly intervals and hourly cumulative reads behind each EMLITE register's current read
   * (after the demo's first sweep created the registers).
   */
  async writeEmliteHistory(sql: Sql): Promise<void> {
    // Household-like load: 150–450 Wh per half hour, more in the evening, from each register's current read backwards.
    await sql.run(`
      insert into register_interval_hh(register_id, timestamp, import_interval, export_interval, flags)
      select r.register_id, t, (150 + 300 * greatest(0, sin(pi() * (extract(hour from t) - 12) / 12)) + mod(abs(hashtext(r.register_id::text || t::text)), 60))::bigint, 0, '{}'
        from meter_registers r, generate_series(date_trunc('hour', now()) - interval '7 days', date_trunc('hour', now()) - interval '30 minutes', interval '30 minutes') t
       where r.element = 'A'
      on conflict do nothing`);
    await sql.run(`
      insert into register_import(register_id, read, timestamp)
      select h.register_id, s.import_a - sum(h.import_interval) over (partition by h.register_id order by h.timestamp desc), h.timestamp
        from register_interval_hh h join meter_registers r on r.register_id = h.register_id join meter_shadows s on s.meter_id = r.meter_id
       where s.import_a is not null and extract(minute from h.timestamp) = 0
      on conflict do nothing`);
  },
};
