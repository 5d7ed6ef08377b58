package io.k0rdent.api.verticles.store.pg;

import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.fixed;

import io.k0rdent.api.core.resource.GroupMember;
import io.k0rdent.api.core.store.GroupMemberStore;
import io.k0rdent.api.core.store.IamErrors;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link GroupMemberStore} over table {@code group_members}. A row carries its group's
 * {@code organization_id} (not part of the resource): {@link #create} copies it from the group in the insert
 * itself, and both foreign keys include it, so the user must be of the group's organization. The keys
 * cascade: deleting a group or a user deletes its memberships. {@code UNIQUE (group_id, user_id)} makes a
 * user a member of a group at most once, whatever the concurrency.
 */
final class PgGroupMemberStore extends PgResourceStore<GroupMember> implements GroupMemberStore {

  private static final String TABLE = "group_members";
  static final String PAIR_KEY = "group_members_group_id_user_id_key";
  private static final String INSERT = "INSERT INTO " + TABLE
      + " (id, uid, group_id, user_id, organization_id, added_by, created_at, updated_at, version)"
      + " SELECT $1::text, $2::uuid, g.id, $4::text, g.organization_id, $5::text, $6::timestamptz, $7::timestamptz,"
      + " $8::bigint FROM groups AS g WHERE g.id = $3::text"
      + " RETURNING ";
  private static final String GROUPS_OF = "SELECT group_id FROM " + TABLE + " WHERE user_id = $1 ORDER BY group_id";
  private static final String COUNTS = "SELECT group_id, count(*) AS n FROM " + TABLE
      + " WHERE group_id = ANY($1) GROUP BY group_id";

  private final String insertSql;

  PgGroupMemberStore(Pool pool, PgEvents events) {
    super(pool, events, new Table<>("group member", TABLE,
        List.of(fixed("group_id", GroupMember::groupId),
            fixed("user_id", GroupMember::userId),
            fixed("added_by", GroupMember::addedBy)),
        Map.of("groupId", "group_id", "userId", "user_id"), PgGroupMemberStore::member,
        (m, constraint) -> "group_members_group_fkey".equals(constraint)
            ? IamErrors.groupMissing(m.groupId())
            : IamErrors.memberNotInOrganization(m.userId(), m.groupId()),
        null));
    this.insertSql = INSERT + selectColumns();
  }

  private static GroupMember member(Row r) {
    return new GroupMember(r.getString("id"), r.getUUID("uid"), r.getString("group_id"), r.getString("user_id"),
        r.getString("added_by"), instant(r, "created_at"), instant(r, "updated_at"), r.getLong("version"));
  }

  /** Inserts with the group's organization; no row (no such group) is 404. */
  @Override
  Future<GroupMember> create(SqlClient client, GroupMember m) {
    Tuple args = Tuple.of(m.id(), m.uid(), m.groupId(), m.userId(), m.addedBy(), ts(m.createdAt()),
        ts(m.updatedAt()), m.version());
    return client.preparedQuery(insertSql).execute(args)
        .recover(e -> Future.failedFuture(onCreateFailure(m, e)))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(IamErrors.groupMissing(m.groupId()))
            : Future.succeededFuture(fromRow(rows.iterator().next())));
  }

  @Override
  Throwable onCreateFailure(GroupMember m, Throwable e) {
    if (PgErrors.UNIQUE_VIOLATION.equals(PgErrors.sqlState(e)) && PAIR_KEY.equals(PgErrors.constraint(e))) {
      return IamErrors.alreadyMember(m.userId(), m.groupId());
    }
    return super.onCreateFailure(m, e);
  }

  @Override
  public Future<List<String>> groupsOf(String userId) {
    return pool.preparedQuery(GROUPS_OF).execute(Tuple.of(userId))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          List<String> ids = new ArrayList<>(rows.size());
          rows.forEach(r -> ids.add(r.getString("group_id")));
          return ids;
        });
  }

  @Override
  public Future<Map<String, Integer>> memberCounts(Collection<String> groupIds) {
    if (groupIds.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return pool.preparedQuery(COUNTS).execute(Tuple.tuple().addArrayOfString(groupIds.toArray(String[]::new)))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          Map<String, Integer> counts = new HashMap<>();
          rows.forEach(r -> counts.put(r.getString("group_id"), r.getLong("n").intValue()));
          return counts;
        });
  }
}
