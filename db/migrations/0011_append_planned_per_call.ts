import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never changes once shipped; later changes get a new migration.

// PL/pgSQL keeps a generic plan per connection for this function's statements. Made while the
// store was small, that plan joined the incoming events to event_store.events and the streams
// by scanning both tables whole, and kept doing so as they grew: building a 150,000-event log
// through 1,000-command batches fell from 6,400 to 3,800 events/s (auto_explain showed 68,000
// rows scanned per batch of 28). The function now plans each call for the store as it is; and a
// stream that must not exist yet (expected 'none') is not looked up to be bumped. The body is
// otherwise that of 0006.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function event_store.append(p_streams jsonb, p_events jsonb)
    returns setof event_store.appended
    language plpgsql
    set plan_cache_mode = force_custom_plan
    as $fn$
    declare
      v_bad uuid;
      v_inserted event_store.appended[];
      v_replayed event_store.appended[];
      v_partial text;
      v_failed text;
      v_missing bigint;
      v_expected bigint;
      v_current bigint;
    begin
      select i.id into v_bad
        from jsonb_to_recordset(p_events) as i(id uuid, s text, t text, d jsonb)
        join event_store.events x on x.event_id = i.id
       where x.stream_id <> i.s or x.type <> i.t or x.data <> i.d
       limit 1;
      if found then
        raise exception 'event % is already stored with other content', v_bad
          using errcode = 'ES001', detail = v_bad::text;
      end if;

      with incoming as (
        select * from jsonb_to_recordset(p_events)
          as i(i int, id uuid, s text, t text, v int, d jsonb, m jsonb, o timestamptz)
      ),
      req as (
        select st.s, st.e, count(i.id) as total, count(x.event_id) as stored
          from jsonb_to_recordset(p_streams) as st(s text, e bigint)
          join incoming i on i.s = st.s
          left join event_store.events x on x.event_id = i.id
         group by st.s, st.e
      ),
      bumped as (
        update event_store.streams t
           set version = t.version + q.total, updated_at = now()
          from req q
         where t.stream_id = q.s and q.stored = 0 and (q.e is null or q.e > 0)
           and (q.e is null or t.version = q.e)
        returning t.stream_id, t.version
      ),
      created as (
        insert into event_store.streams (stream_id, version)
        select q.s, q.total from req q
         where q.stored = 0 and (q.e is null or q.e <= 0)
           and not exists (select 1 from bumped b where b.stream_id = q.s)
        on conflict (stream_id) do nothing
        returning streams.stream_id, streams.version
      ),
      versions as (
        select * from bumped union all select * from created
      ),
      inserted as (
        insert into event_store.events as ev
          (event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
        select i.id, i.s, v.version - q.total + row_number() over (partition by i.s order by i.i),
               i.t, coalesce(i.v, 1), i.d, coalesce(i.m, '{}'::jsonb), i.o
          from incoming i
          join req q on q.s = i.s
          join versions v on v.stream_id = i.s
         order by i.i
        returning ev.event_id, ev.stream_id, ev.stream_version, ev.position
      )
      select
        (select array_agg(row(n.event_id, n.stream_id, n.stream_version, n.position, false)::event_store.appended
                          order by n.position) from inserted n),
        (select array_agg(row(x.event_id, x.stream_id, x.stream_version, x.position, true)::event_store.appended
                          order by x.position)
           from incoming i join event_store.events x on x.event_id = i.id),
        (select min(q.s) from req q where q.stored > 0 and q.stored < q.total),
        (select count(*) from req q where q.stored = 0) - (select count(*) from versions)
      into v_inserted, v_replayed, v_partial, v_missing;

      if v_partial is not null then
        raise exception 'stream % has only some of these events stored already', v_partial
          using errcode = 'ES001', detail = v_partial;
      end if;
      if v_missing > 0 then
        -- A stream whose events were not inserted (inside this statement's transaction, the
        -- other streams' inserts are visible): found by index lookups, only on this error path.
        select i.s into v_failed
          from jsonb_to_recordset(p_events) as i(id uuid, s text)
         where not exists (select 1 from event_store.events x where x.event_id = i.id)
         order by i.s
         limit 1;
        select st.e into v_expected from jsonb_to_recordset(p_streams) as st(s text, e bigint)
         where st.s = v_failed;
        select t.version into v_current from event_store.streams t where t.stream_id = v_failed;
        raise exception 'stream % is at version %, expected %', v_failed, coalesce(v_current, 0),
            case when v_expected is null then 'any' when v_expected < 0 then 'none' else v_expected::text end
          using errcode = 'ES002',
                detail = json_build_object('streamId', v_failed, 'expected', v_expected,
                                           'current', coalesce(v_current, 0))::text;
      end if;

      return query
        select * from unnest(coalesce(v_inserted, '{}'::event_store.appended[]))
        union all
        select * from unnest(coalesce(v_replayed, '{}'::event_store.appended[]));
    end
    $fn$`.execute(db);
}

export async function down(): Promise<void> {
  // The body of 0006 planned once per connection is slower, not different: nothing to undo.
}
