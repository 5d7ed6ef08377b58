package io.k0rdent.api.verticles.store.pg;

import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.fixed;
import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.mutable;

import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.store.IamErrors;
import io.k0rdent.api.core.store.ListQuery;
import io.k0rdent.api.core.store.Page;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Users in table {@code users}. The email is unique per organization as {@code email_key} (generated:
 * {@code lower(email COLLATE "C")}, which is {@link User#emailKey}); the {@code email} filter compares
 * {@code email_key} with the key of the value. Deleting a user deletes its memberships (foreign key of
 * {@code group_members}); a user that policies bind cannot be deleted (foreign keys of {@code policies}).
 */
final class PgUserStore extends PgResourceStore<User> {

  static final String EMAIL_KEY = "users_organization_email_key";

  PgUserStore(Pool pool, PgEvents events) {
    super(pool, events, new Table<>("user", "users",
        List.of(fixed("organization_id", User::organizationId),
            fixed("email", User::email),
            mutable("display_name", User::displayName),
            mutable("status", User::status)),
        Map.of("organizationId", "organization_id", "email", "email_key", "status", "status"),
        PgUserStore::user,
        (u, constraint) -> IamErrors.organizationMissing(u.organizationId()),
        (id, constraint) -> IamErrors.boundByPolicies("user", id)));
  }

  private static User user(Row r) {
    return new User(r.getString("id"), r.getUUID("uid"), r.getString("organization_id"), r.getString("email"),
        r.getString("display_name"), r.getString("status"), instant(r, "created_at"), instant(r, "updated_at"),
        r.getLong("version"));
  }

  @Override
  Throwable onCreateFailure(User u, Throwable e) {
    if (PgErrors.UNIQUE_VIOLATION.equals(PgErrors.sqlState(e)) && EMAIL_KEY.equals(PgErrors.constraint(e))) {
      return IamErrors.emailTaken(u.email(), u.organizationId());
    }
    return super.onCreateFailure(u, e);
  }

  @Override
  public Future<Page<User>> list(ListQuery q) {
    if (!q.filters().containsKey("email")) {
      return super.list(q);
    }
    Map<String, String> filters = new HashMap<>(q.filters());
    filters.put("email", User.emailKey(filters.get("email")));
    return super.list(new ListQuery(filters, q.after(), q.limit()));
  }
}
