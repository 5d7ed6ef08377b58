package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.verticles.config.ConfigLoader;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bootstrap.users} end to end, on PostgreSQL: users and their organization bindings seeded at start
 * from a {@code --config} file, effective in {@code /auth/check}, unchanged by a restart on the same schema;
 * entries the store refutes stop the node with a message naming the field. Each test has its own schema.
 */
class SeedUsersHttpTest {

  static final String USERS = "/v1/regions/global/iam/users";
  static final String POLICIES = "/v1/regions/global/iam/policies";
  static final String ROLES = "/v1/regions/global/iam/roles";
  static final String CHECK = "/v1/regions/global/auth/check";

  @TempDir
  Path dir;
  PgTestDatabase db;

  @BeforeEach
  void database() {
    db = PgTestDatabase.create();
  }

  @AfterEach
  void dropDatabase() {
    if (db != null) {
      db.drop();
    }
  }

  TestNode start(String usersYaml) throws Exception {
    Path file = dir.resolve("k0rdent-" + System.nanoTime() + ".yaml");
    Files.writeString(file, "bootstrap:\n  users:\n" + usersYaml.indent(4));
    return TestNode.start(file, Map.of("database.url", db.url(), "database.schema", db.schema()));
  }

  static final String ANN = "- id: ann\n  email: ann@example.com\n  displayName: Ann Teammate\n  roles: [org-viewer]\n";

  @Test
  void seededUsersAndBindingsExistActAndSurviveRestarts() throws Exception {
    JsonObject user;
    JsonObject binding;
    try (TestNode node = start(ANN)) {
      String admin = node.token();
      Res u = node.arc.get(USERS + "/ann", admin);
      assertThat(u.status()).as(u.body()).isEqualTo(200);
      user = u.json();
      assertThat(user.getString("organizationId")).isEqualTo("provider");
      assertThat(user.getString("email")).isEqualTo("ann@example.com");
      assertThat(user.getString("displayName")).isEqualTo("Ann Teammate");
      assertThat(user.getString("status")).isEqualTo("active");

      List<JsonObject> bindings = bindingsOf(node, admin, "ann");
      assertThat(bindings).hasSize(1);
      binding = bindings.get(0);
      assertThat(binding.getString("id")).isEqualTo("seed-ann-org-viewer");
      assertThat(binding.getString("role")).isEqualTo("org-viewer");
      assertThat(binding.getJsonObject("scope")).isEqualTo(new JsonObject().put("type", "org").put("resource", "provider"));
      assertThat(binding.getString("effect")).isEqualTo("allow");

      assertThat(allowed(node, admin, "ann", "resourcemanager.projects.get", "resourcemanager.projects.create"))
          .containsExactly(true, false);

      // a custom role of the provider for the next start
      Res role = node.atlas.post(ROLES, admin, new JsonObject().put("id", "ops-reader").put("displayName", "Ops reader")
          .put("permissions", new JsonArray().add("resourcemanager.projects.get")));
      assertThat(role.status()).as(role.body()).isEqualTo(201);
    }

    // the same configuration again, plus a user with a custom role: nothing of the first start changes
    String bob = "- {id: bob, email: bob@example.com, displayName: Bob, roles: [ops-reader, org-viewer]}\n";
    try (TestNode node = start(ANN + bob)) {
      String admin = node.token();
      Res u = node.arc.get(USERS + "/ann", admin);
      assertThat(u.status()).isEqualTo(200);
      assertThat(u.json().getString("uid")).isEqualTo(user.getString("uid"));
      assertThat(u.json().getString("etag")).isEqualTo(user.getString("etag"));
      assertThat(bindingsOf(node, admin, "ann")).containsExactly(binding);
      Res all = node.arc.get(USERS + "?organizationId=provider", admin);
      assertThat(all.json().getJsonArray("users").stream().map(o -> ((JsonObject) o).getString("id")))
          .containsExactlyInAnyOrder("ann", "bob");
      assertThat(bindingsOf(node, admin, "bob")).extracting(b -> b.getString("id") + " " + b.getString("role"))
          .containsExactlyInAnyOrder("seed-bob-ops-reader ops-reader", "seed-bob-org-viewer org-viewer");
      assertThat(allowed(node, admin, "bob", "resourcemanager.projects.get", "resourcemanager.projects.create"))
          .containsExactly(true, false);

      // an operator edits ann: the next start leaves the user as it is
      Res patched = node.arc.patch(USERS + "/ann", admin, new JsonObject().put("displayName", "Ann B."),
          "If-Match", u.json().getString("etag"));
      assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    }
    try (TestNode node = start(ANN + bob)) {
      String admin = node.token();
      assertThat(node.arc.get(USERS + "/ann", admin).json().getString("displayName")).isEqualTo("Ann B.");
      assertThat(bindingsOf(node, admin, "ann")).containsExactly(binding);
      assertThat(bindingsOf(node, admin, "bob")).hasSize(2);
    }
  }

  @Test
  void entriesTheStoreRefutesStopTheNodeNamingTheFieldUnlessSomeoneElseHoldsTheIdOrEmail() {
    assertRefused("- {id: cy, email: cy@example.com, displayName: Cy, organizationId: nowhere}",
        "bootstrap.users[0].organizationId", "nowhere");
    assertRefused("- {id: cy, email: cy@example.com, displayName: Cy}\n"
            + "- {id: dee, email: dee@example.com, displayName: Dee, roles: [org-viewer, no-such-role]}",
        "bootstrap.users[1].roles[1]", "no-such-role");
    // ann is a user of the provider: not of customer-1, whatever the file says
    assertRefused("- {id: ann-x, email: ann-x@example.com, displayName: Ann X}", null, null); // seeds ann-x
    try (TestNode node = start("[]")) {
      Res org = node.atlas.post("/v1/regions/global/organizations", node.token(),
          new JsonObject().put("id", "customer-1").put("displayName", "Customer 1"));
      assertThat(org.status()).as(org.body()).isIn(200, 201);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    // ids and emails others already hold are theirs: the entry is skipped with a warning, the node starts
    // (tenants choose ids and emails: a taken one must never keep the nodes from starting)
    assertRefused("- {id: ann-x, email: ann-x@example.com, displayName: Ann X, organizationId: customer-1}",
        null, null);
    assertRefused("- {id: eve, email: ANN-X@example.com, displayName: Eve}", null, null);
    try (TestNode node = start("[]")) {
      assertThat(node.atlas.get(USERS + "/ann-x", node.token()).json().getString("organizationId"))
          .isEqualTo("provider");
      assertThat(node.atlas.get(USERS + "/eve", node.token()).status()).isEqualTo(404);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    // form errors stop it before anything starts
    assertThatThrownBy(() -> start("- {id: eve, email: not-an-email, displayName: Eve}"))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("bootstrap.users[0].email");
    assertThatThrownBy(() -> start("- {id: eve, email: eve@example.com, displayName: Eve, role: [org-viewer]}"))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("bootstrap.users[0].role");
  }

  /** Starting with {@code usersYaml} fails with a ConfigException naming {@code field} (null: it starts). */
  void assertRefused(String usersYaml, String field, String detail) {
    try (TestNode node = start(usersYaml + "\n")) {
      assertThat(field).as("started, but should have been refused for " + field).isNull();
    } catch (Exception e) {
      Throwable t = e;
      while (t != null && !(t instanceof ConfigLoader.ConfigException)) {
        t = t.getCause();
      }
      assertThat(t).as(e.toString()).isNotNull();
      assertThat(field).as(t.getMessage()).isNotNull();
      assertThat(t.getMessage()).startsWith(field).contains(detail);
    }
  }

  List<JsonObject> bindingsOf(TestNode node, String admin, String userId) {
    Res r = node.arc.get(POLICIES + "?orgId=provider", admin);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<JsonObject> out = new ArrayList<>();
    r.json().getJsonArray("policies").forEach(o -> {
      JsonObject p = (JsonObject) o;
      if (p.getJsonObject("principal").equals(new JsonObject().put("type", "user").put("id", userId))) {
        out.add(p);
      }
    });
    return out;
  }

  /** The {@code allowed} answers of {@code /auth/check} about {@code subject} on the provider organization. */
  List<Boolean> allowed(TestNode node, String admin, String subject, String... actions) {
    JsonArray checks = new JsonArray();
    for (String a : actions) {
      checks.add(new JsonObject().put("action", a).put("resource", "organizations/provider"));
    }
    Res r = node.arc.post(CHECK, admin, new JsonObject().put("subject", subject).put("checks", checks));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<Boolean> out = new ArrayList<>();
    r.json().getJsonArray("results").forEach(o -> out.add(((JsonObject) o).getBoolean("allowed")));
    return out;
  }
}
