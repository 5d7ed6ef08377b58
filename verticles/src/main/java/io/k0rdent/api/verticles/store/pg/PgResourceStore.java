package io.k0rdent.api.verticles.store.pg;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.store.ListQuery;
import io.k0rdent.api.core.store.Page;
import io.k0rdent.api.core.store.PageCursor;
import io.k0rdent.api.core.store.ResourceStore;
import io.k0rdent.api.core.store.Use;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A {@link ResourceStore} over one table with the columns {@code id, uid, [columns...], created_at,
 * updated_at, version}; {@link #update} replaces the mutable ones. Referential rules are the schema's
 * foreign keys. Kinds with more operations extend it.
 */
class PgResourceStore<T extends Resource> implements ResourceStore<T> {

  /**
   * A column besides {@code id, uid, created_at, updated_at, version}.
   *
   * @param name    column name
   * @param mutable whether {@link #update} replaces it (else it keeps the value stored on create)
   * @param value   the resource's value, as the client binds it ({@code String[]} for {@code text[]},
   *                {@link OffsetDateTime} for {@code timestamptz})
   */
  record Column<T>(String name, boolean mutable, Function<T, Object> value) {
    static <T> Column<T> fixed(String name, Function<T, Object> value) {
      return new Column<>(name, false, value);
    }

    static <T> Column<T> mutable(String name, Function<T, Object> value) {
      return new Column<>(name, true, value);
    }
  }

  /**
   * How a resource kind maps to its table.
   *
   * @param kind          name in messages ({@code organization})
   * @param table         table name
   * @param columns       the columns between {@code uid} and {@code created_at}
   * @param filterColumns API filter name to column
   * @param fromRow       row to resource
   * @param onCreateFk    the error (given the resource and the violated constraint's name) when an insert
   *                      violates a foreign key, or null
   * @param onDeleteFk    the error (given the id and the violated constraint's name) when a delete violates
   *                      a foreign key, or null
   */
  record Table<T>(String kind, String table, List<Column<T>> columns, Map<String, String> filterColumns,
                  Function<Row, T> fromRow, BiFunction<T, String, ApiException> onCreateFk,
                  BiFunction<String, String, ApiException> onDeleteFk) {}

  final Pool pool;
  /** Appends each mutation's event in the mutation's transaction. */
  final PgEvents events;
  private final Table<T> t;
  private final List<Column<T>> mutable;
  private final String columns;
  private final String insertSql;
  private final String getSql;
  private final String updateSql;
  private final String deleteSql;
  private final Map<String, String> listSql = new ConcurrentHashMap<>();

  PgResourceStore(Pool pool, PgEvents events, Table<T> t) {
    this.pool = pool;
    this.events = events;
    this.t = t;
    this.mutable = t.columns().stream().filter(Column::mutable).toList();
    List<String> cols = new ArrayList<>(List.of("id", "uid"));
    t.columns().forEach(c -> cols.add(c.name()));
    cols.addAll(List.of("created_at", "updated_at", "version"));
    this.columns = String.join(", ", cols);
    StringBuilder params = new StringBuilder();
    for (int i = 1; i <= cols.size(); i++) {
      params.append(i == 1 ? "" : ", ").append('$').append(i);
    }
    this.insertSql = "INSERT INTO " + t.table() + " (" + columns + ") VALUES (" + params + ") RETURNING " + columns;
    this.getSql = "SELECT " + columns + " FROM " + t.table() + " WHERE id = $1";
    StringBuilder set = new StringBuilder();
    int p = 2;
    for (Column<T> c : mutable) {
      set.append(c.name()).append(" = $").append(p++).append(", ");
    }
    String version = "$" + (p + 1);
    set.append("updated_at = $").append(p).append(", version = ").append(version);
    // one round trip: the stored version (before the statement) tells 404 from 412 when nothing was updated
    this.updateSql = "WITH cur AS (SELECT version FROM " + t.table() + " WHERE id = $1), "
        + "upd AS (UPDATE " + t.table() + " SET " + set + " WHERE id = $1 AND version = " + version + " - 1"
        + " RETURNING " + columns + ") "
        + "SELECT (SELECT version FROM cur) AS current_version, upd.* FROM (VALUES (1)) AS one (x) LEFT JOIN upd ON true";
    this.deleteSql = "WITH cur AS (SELECT version FROM " + t.table() + " WHERE id = $1), "
        + "del AS (DELETE FROM " + t.table() + " WHERE id = $1 AND ($2::bigint IS NULL OR version = $2)"
        + " RETURNING " + columns + ") "
        + "SELECT (SELECT version FROM cur) AS current_version, del.* FROM (VALUES (1)) AS one (x) LEFT JOIN del ON true";
  }

  static OffsetDateTime ts(Instant i) {
    return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
  }

  static Instant instant(Row row, String column) {
    OffsetDateTime v = row.getOffsetDateTime(column);
    return v == null ? null : v.toInstant();
  }

  /** A {@code text[]} column as a list (empty for NULL). */
  static List<String> strings(Row row, String column) {
    String[] v = row.getArrayOfStrings(column);
    return v == null ? List.of() : List.of(v);
  }

  /** {@code strings} for binding to a {@code text[]} parameter. */
  static String[] array(List<String> strings) {
    return strings.toArray(String[]::new);
  }

  /**
   * Sets {@code last_used_at}/{@code last_used_ip} of the rows of {@code table} named in {@code uses}, in one
   * statement, unless that would move {@code last_used_at} back; ids gone are skipped.
   */
  static Future<Void> recordUse(Pool pool, String table, Map<String, Use> uses) {
    if (uses.isEmpty()) {
      return Future.succeededFuture();
    }
    String[] ids = new String[uses.size()];
    OffsetDateTime[] ats = new OffsetDateTime[uses.size()];
    String[] ips = new String[uses.size()];
    int i = 0;
    for (var e : uses.entrySet()) {
      ids[i] = e.getKey();
      ats[i] = ts(e.getValue().at());
      ips[i++] = e.getValue().ip();
    }
    String sql = "UPDATE " + table + " AS r SET last_used_at = u.at, last_used_ip = u.ip"
        + " FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS u (id, at, ip)"
        + " WHERE r.id = u.id AND (r.last_used_at IS NULL OR r.last_used_at <= u.at)";
    Tuple args = Tuple.tuple().addArrayOfString(ids).addArrayOfOffsetDateTime(ats).addArrayOfString(ips);
    return pool.preparedQuery(sql).execute(args)
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  /** Inserts {@code r} and appends its created event, in one transaction. */
  @Override
  public Future<T> create(T r) {
    return events.inTransaction(pool, ChangeEvents.CREATED, conn -> create(conn, r))
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  /** {@link #create} through {@code client} (e.g. a connection in a transaction), without an event. */
  Future<T> create(SqlClient client, T r) {
    List<Object> values = new ArrayList<>();
    values.add(r.id());
    values.add(r.uid());
    t.columns().forEach(c -> values.add(c.value().apply(r)));
    values.add(ts(r.createdAt()));
    values.add(ts(r.updatedAt()));
    values.add(r.version());
    return client.preparedQuery(insertSql).execute(Tuple.tuple(values))
        .map(rows -> t.fromRow().apply(rows.iterator().next()))
        .recover(e -> Future.failedFuture(onCreateFailure(r, e)));
  }

  /**
   * The error for a failed insert of {@code r}: a taken uid or id (409), a foreign key (the table's
   * {@code onCreateFk}), else {@link PgErrors#map}. Kinds with more constraints extend it.
   */
  Throwable onCreateFailure(T r, Throwable e) {
    String state = PgErrors.sqlState(e);
    if (PgErrors.UNIQUE_VIOLATION.equals(state)) {
      String constraint = PgErrors.constraint(e);
      if (constraint != null && constraint.endsWith("_uid_key")) {
        return ApiException.conflict("ALREADY_EXISTS", t.kind() + " uid '" + r.uid() + "' already exists");
      }
      return ApiException.conflict("ALREADY_EXISTS", t.kind() + " '" + r.id() + "' already exists");
    }
    if (PgErrors.FOREIGN_KEY_VIOLATION.equals(state) && t.onCreateFk() != null) {
      return t.onCreateFk().apply(r, PgErrors.constraint(e));
    }
    return PgErrors.map(e);
  }

  /** The columns every query selects, comma-separated ({@link #fromRow} reads them). */
  String selectColumns() {
    return columns;
  }

  /** The resource in {@code row}. */
  T fromRow(Row row) {
    return t.fromRow().apply(row);
  }

  @Override
  public Future<T> get(String id) {
    return pool.preparedQuery(getSql).execute(Tuple.of(id))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(ApiException.notFound(t.kind(), id))
            : Future.succeededFuture(t.fromRow().apply(rows.iterator().next())));
  }

  /** The compare-and-set update and its updated event, in one transaction. */
  @Override
  public Future<T> update(T u) {
    List<Object> values = new ArrayList<>();
    values.add(u.id());
    mutable.forEach(c -> values.add(c.value().apply(u)));
    values.add(ts(u.updatedAt()));
    values.add(u.version());
    return events.inTransaction(pool, ChangeEvents.UPDATED, conn -> conn.preparedQuery(updateSql)
        .execute(Tuple.tuple(values))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .compose(rows -> {
          Row row = rows.iterator().next();
          if (row.getString("id") != null) {
            return Future.succeededFuture(t.fromRow().apply(row));
          }
          if (row.getLong("current_version") == null) {
            return Future.failedFuture(ApiException.notFound(t.kind(), u.id()));
          }
          return Future.failedFuture(changed(u.id()));
        }))
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  private ApiException changed(String id) {
    return ApiException.preconditionFailed(t.kind() + " '" + id + "' was changed by another request");
  }

  /** The delete and its deleted event (rendered from the row as it was), in one transaction. */
  @Override
  public Future<Void> delete(String id, Long expectedVersion) {
    return events.inTransaction(pool, conn -> conn.preparedQuery(deleteSql).execute(Tuple.of(id, expectedVersion))
        .recover(e -> Future.failedFuture(
            PgErrors.FOREIGN_KEY_VIOLATION.equals(PgErrors.sqlState(e)) && t.onDeleteFk() != null
                ? t.onDeleteFk().apply(id, PgErrors.constraint(e))
                : PgErrors.map(e)))
        .compose(rows -> {
          Row row = rows.iterator().next();
          if (row.getString("id") != null) {
            return Future.succeededFuture(t.fromRow().apply(row));
          }
          // gone before the statement, or (no expected version) deleted concurrently: 404
          if (row.getLong("current_version") == null || expectedVersion == null) {
            return Future.failedFuture(ApiException.notFound(t.kind(), id));
          }
          return Future.failedFuture(changed(id));
        }), events.events()::deleted)
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .mapEmpty();
  }

  @Override
  public Future<Page<T>> list(ListQuery q) {
    for (String f : q.filters().keySet()) {
      if (!t.filterColumns().containsKey(f)) {
        return Future.failedFuture(new IllegalArgumentException("unsupported filter " + f));
      }
    }
    // sorted so that one filter set always yields the same SQL text (prepared statement cache)
    Map<String, String> filters = new TreeMap<>(q.filters());
    List<Object> args = new ArrayList<>(filters.values());
    String sql = listSql.computeIfAbsent(String.join(",", filters.keySet()) + (q.after() == null ? "" : ",+after"),
        k -> listSql(filters.keySet().stream().map(t.filterColumns()::get).toList(), q.after() != null));
    if (q.after() != null) {
      args.add(ts(q.after().createdAt()));
      args.add(q.after().id());
    }
    args.add((long) q.limit() + 1);
    return pool.preparedQuery(sql).execute(Tuple.tuple(args))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> page(rows, q.limit()));
  }

  private String listSql(List<String> filterColumns, boolean after) {
    StringBuilder sql = new StringBuilder("SELECT ").append(columns).append(" FROM ").append(t.table());
    int p = 1;
    List<String> conditions = new ArrayList<>();
    for (String c : filterColumns) {
      conditions.add(c + " = $" + p++);
    }
    if (after) {
      conditions.add("(created_at, id) > ($" + p++ + "::timestamptz, $" + p++ + "::text)");
    }
    if (!conditions.isEmpty()) {
      sql.append(" WHERE ").append(String.join(" AND ", conditions));
    }
    return sql.append(" ORDER BY created_at, id LIMIT $").append(p).toString();
  }

  private Page<T> page(RowSet<Row> rows, int limit) {
    List<T> items = new ArrayList<>(Math.min(rows.size(), limit));
    boolean more = false;
    for (Row row : rows) {
      if (items.size() == limit) {
        more = true;
        break;
      }
      items.add(t.fromRow().apply(row));
    }
    PageCursor next = null;
    if (more) {
      T last = items.get(items.size() - 1);
      next = new PageCursor(last.createdAt(), last.id());
    }
    return new Page<>(items, next);
  }
}
