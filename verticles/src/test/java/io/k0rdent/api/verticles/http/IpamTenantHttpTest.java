package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;

/**
 * The stage of the IPAM HTTP tests: an organization with a project in region {@value #REGION} made by the
 * bootstrap administrator, and the helpers their attacks share.
 */
abstract class IpamTenantHttpTest extends NodeHttpTest {

  static final String REGION = "local-1";
  static final String POOLS = "/v1/regions/" + REGION + "/compute/address-pools";

  String org;
  String project;

  @BeforeAll
  void world() {
    org = created(ORGS, new JsonObject().put("id", unique("brk"))).getString("id");
    project = created(PROJECTS, new JsonObject().put("id", unique("brkp")).put("organizationId", org)).getString("id");
  }

  /** {@code /v1/regions/local-1/projects/<project>/compute/} */
  static String compute(String project) {
    return "/v1/regions/" + REGION + "/projects/" + project + "/compute/";
  }

  /** A network of {@code project} with a unique id, by the administrator; fails unless 201. */
  JsonObject network(String project, String cidr) {
    Res r = api.post(compute(project) + "networks", token, new JsonObject().put("id", unique("n")).put("cidr", cidr));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  /** An allocation request of an INTERNAL address from {@code network}. */
  static JsonObject internal(String network) {
    return new JsonObject().put("addressType", "INTERNAL").put("network", network);
  }

  /** The error message of an error answer. */
  static String message(Res r) {
    return r.json().getJsonObject("error").getString("message");
  }

  /**
   * A compute-admin of the organization denied compute-viewer on network {@code hidden} of the project, once the
   * deny applies (its get answers 404).
   */
  Caller deniedOn(JsonObject hidden) throws InterruptedException {
    Caller c = caller(org, "compute-admin");
    Res p = api.post(POLICIES, token, new JsonObject().put("orgId", org).put("role", "compute-viewer")
        .put("effect", "deny").put("principal", new JsonObject().put("type", "serviceAccount").put("id", c.serviceAccountId()))
        .put("scope", new JsonObject().put("type", "resource")
            .put("resource", "projects/" + project + "/compute/networks/" + hidden.getString("id"))));
    assertThat(p.status()).as(p.body()).isEqualTo(201);
    for (int i = 0; i < 50 && api.get(hidden.getString("selfLink"), c.token()).status() == 200; i++) {
      Thread.sleep(100);
    }
    assertThat(api.get(hidden.getString("selfLink"), c.token()).status()).as("the deny applies").isEqualTo(404);
    return c;
  }
}
