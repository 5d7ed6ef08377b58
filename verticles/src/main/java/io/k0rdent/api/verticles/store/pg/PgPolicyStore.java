package io.k0rdent.api.verticles.store.pg;

import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.fixed;
import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.mutable;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.store.IamErrors;
import io.k0rdent.api.core.store.ListQuery;
import io.k0rdent.api.core.store.Page;
import io.k0rdent.api.core.store.PolicyStore;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link PolicyStore} over table {@code policies} (see {@code V3__authorization.sql}): the organization and
 * the principal are foreign keys (the principal through one generated column per type), the principal type
 * and the platform-scope rule are checks, and the role is kept by triggers. Each violation maps, by
 * constraint name, to the error the in-memory store gives.
 */
final class PgPolicyStore extends PgResourceStore<Policy> implements PolicyStore {

  private static final String TABLE = "policies";

  private final String forPrincipalsSql;

  PgPolicyStore(Pool pool, PgEvents events) {
    super(pool, events, new Table<>("policy", TABLE,
        List.of(fixed("organization_id", Policy::organizationId),
            mutable("display_name", Policy::displayName),
            mutable("description", Policy::description),
            fixed("role", Policy::role),
            fixed("principal_type", Policy::principalType),
            fixed("principal_id", Policy::principalId),
            fixed("scope_type", Policy::scopeType),
            fixed("scope_resource", Policy::scopeResource),
            fixed("effect", Policy::effect)),
        Map.of("organizationId", "organization_id", "principalType", "principal_type", "principalId", "principal_id",
            "role", "role", "scopeType", "scope_type", "scopeResource", "scope_resource"),
        PgPolicyStore::policy, PgPolicyStore::onCreateFk, null));
    this.forPrincipalsSql = "SELECT " + selectColumns() + " FROM " + TABLE
        + " WHERE (principal_type, principal_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
        + " ORDER BY created_at, id";
  }

  private static Policy policy(Row r) {
    return new Policy(r.getString("id"), r.getUUID("uid"), r.getString("organization_id"),
        r.getString("display_name"), r.getString("description"), r.getString("role"), r.getString("principal_type"),
        r.getString("principal_id"), r.getString("scope_type"), r.getString("scope_resource"), r.getString("effect"),
        instant(r, "created_at"), instant(r, "updated_at"), r.getLong("version"));
  }

  private static ApiException onCreateFk(Policy p, String constraint) {
    if ("policies_organization_fkey".equals(constraint)) {
      return IamErrors.organizationMissing(p.organizationId());
    }
    if ("policies_role_fkey".equals(constraint)) {
      return IamErrors.roleNotInOrganization(p);
    }
    return IamErrors.principalMissing(p);
  }

  @Override
  Throwable onCreateFailure(Policy p, Throwable e) {
    if (PgErrors.CHECK_VIOLATION.equals(PgErrors.sqlState(e))) {
      String constraint = PgErrors.constraint(e);
      if ("policies_platform_check".equals(constraint)) {
        return IamErrors.policyOrganization(p);
      }
      if ("policies_principal_type_check".equals(constraint)) {
        return IamErrors.principalType(p.principalType());
      }
    }
    return super.onCreateFailure(p, e);
  }

  @Override
  public Future<Page<Policy>> list(ListQuery q) {
    try {
      PolicyStore.checkPrincipalFilters(q.filters());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return super.list(q);
  }

  @Override
  public Future<List<Policy>> forPrincipals(Collection<PrincipalRef> principals) {
    Set<PrincipalRef> distinct = new LinkedHashSet<>(principals);
    if (distinct.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String[] types = new String[distinct.size()];
    String[] ids = new String[distinct.size()];
    int i = 0;
    for (PrincipalRef p : distinct) {
      types[i] = p.type();
      ids[i++] = p.id();
    }
    return pool.preparedQuery(forPrincipalsSql).execute(Tuple.tuple().addArrayOfString(types).addArrayOfString(ids))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          List<Policy> out = new ArrayList<>(rows.size());
          rows.forEach(r -> out.add(fromRow(r)));
          return out;
        });
  }
}
