package io.k0rdent.api.verticles.store.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.store.ListQuery;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.core.store.StoreContract;
import io.k0rdent.api.core.store.Use;
import io.k0rdent.api.verticles.testsupport.PgStoreFixture;
import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link PgStore} against the store contract, plus PostgreSQL-specific failure handling. */
class PgStoreTest extends StoreContract {

  @RegisterExtension
  static final PgStoreFixture pg = new PgStoreFixture();

  @Override
  protected Store createStore() {
    return pg.freshStore();
  }

  @Test
  void anUnreachableDatabaseFailsWith503WithoutDetails() throws Exception {
    PgStore down = pg.unreachable();
    try {
      for (Future<?> f : List.of(down.ping(), down.organizations().get("x"),
          down.organizations().create(org("x")), down.projects().list(new ListQuery(Map.of(), null, 5)),
          down.idempotency().reserve("p", "k", "h", Clock.now().plusSeconds(60)),
          down.settings().getOrCreate("s", () -> "v"), down.serviceAccounts().get("x"),
          down.credentials().createLimited(credential("c", "x", null), 5, Clock.now()),
          down.credentials().activeCounts(List.of("x"), Clock.now()),
          down.apiKeys().recordUse(Map.of("k", new Use(Clock.now(), "::1"))),
          down.revocations().active(Clock.now()), down.roleSets().put("r", List.of("a")),
          down.users().list(new ListQuery(Map.of("email", "A@example.com"), null, 5)),
          down.groupMembers().create(member("m", "g", "u")), down.groupMembers().groupsOf("u"),
          down.groupMembers().memberCounts(List.of("g")), down.policies().create(platformPolicy("p", "admin",
              PrincipalRef.user("u"))), down.policies().forPrincipals(List.of(PrincipalRef.group("g"))))) {
        ApiException e = awaitApiFailure(f, 503);
        assertThat(e.reason()).isEqualTo("UNAVAILABLE");
        assertThat(e.getMessage()).isEqualTo("the database is unavailable; retry later");
      }
    } finally {
      await(down.close());
    }
  }

  @Test
  void anUnmigratedSchemaFailsWith500WithoutSqlText() {
    PgStore bare = PgStore.create(pg.vertx(), new PgSettings(pg.db().url(), "t_never_migrated", 1));
    try {
      ApiException e = awaitApiFailure(bare.organizations().get("x"), 500);
      assertThat(e.getMessage()).isEqualTo("internal store error");
      await(bare.ping());
    } finally {
      await(bare.close());
    }
  }

  @Test
  void keysUseTheCCollationWhateverTheDatabaseDefault() throws Exception {
    // the contract's ordering test only discriminates on databases whose default collation is not C
    PgSettings s = pg.db().settings();
    List<String> found = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(s.jdbcUrl(), s.user(), s.password());
         PreparedStatement ps = c.prepareStatement("SELECT table_name || '.' || column_name || '=' || collation_name"
             + " FROM information_schema.columns WHERE table_schema = ? AND data_type = 'text'"
             + " AND (column_name IN ('id', 'organization_id', 'principal', 'key', 'name', 'jti')"
             + " OR column_name LIKE '%\\_id') ORDER BY 1")) {
      ps.setString(1, s.schema());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(rs.getString(1));
        }
      }
    }
    assertThat(found).containsExactly("address_pools.id=C", "address_releases.id=C",
        "address_releases.project_id=C", "addresses.id=C", "addresses.network_id=C", "addresses.pool_id=C",
        "addresses.project_id=C", "addresses.subnet_id=C", "api_keys.id=C", "api_keys.organization_id=C",
        "api_keys.project_id=C", "api_keys.scope_id=C", "events.actor_id=C", "events.key=C",
        "events.organization_id=C", "group_members.group_id=C", "group_members.id=C",
        "group_members.organization_id=C", "group_members.user_id=C", "groups.id=C", "groups.organization_id=C",
        "idempotency_keys.key=C", "idempotency_keys.principal=C", "networks.id=C", "networks.project_id=C",
        "organizations.id=C", "policies.id=C", "policies.organization_id=C", "policies.principal_group_id=C",
        "policies.principal_id=C", "policies.principal_service_account_id=C", "policies.principal_user_id=C",
        "projects.id=C", "projects.organization_id=C", "revoked_tokens.jti=C", "role_sets.id=C",
        "roles.id=C", "roles.organization_id=C", "server_logs.job_id=C", "servers.id=C", "servers.project_id=C",
        "service_account_credentials.id=C", "service_account_credentials.service_account_id=C",
        "service_accounts.client_id=C", "service_accounts.id=C", "service_accounts.organization_id=C",
        "service_accounts.project_id=C", "service_accounts.scope_id=C", "settings.name=C",
        "subnets.id=C", "subnets.network_id=C", "subnets.project_id=C",
        "users.id=C", "users.organization_id=C");
  }

  @Test
  void migratingAgainIsANoOp() {
    Migrations.migrate(pg.db().settings());
    await(store.organizations().create(org("still-works")));
  }

  @Test
  void migratingAnUnreachableDatabaseSaysSo() throws Exception {
    PgSettings down = new PgSettings("postgresql://postgres:secret@127.0.0.1:" + PgStoreFixture.closedPort() + "/test", "t_x", 1);
    assertThatThrownBy(() -> Migrations.migrate(down))
        .isInstanceOf(Migrations.MigrationException.class)
        .hasMessageContaining("unreachable")
        .hasMessageContaining("127.0.0.1")
        .hasMessageNotContaining("secret");
  }
}
