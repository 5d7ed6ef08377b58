package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.contract.ContractSchemas;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every kind of bad input the foundation issue lists answers a clear 4xx in the contract's error format,
 * and leaves what is stored untouched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputHttpTest {

  static final ContractSchemas CONTRACT = ContractSchemas.load();
  static final String ORGS = "/v1/regions/global/organizations";
  static final String PROJECTS = "/v1/regions/global/projects";
  TestNode node;
  Api api;
  String token;
  String org;

  @BeforeAll
  void start() {
    node = TestNode.start();
    api = node.arc;
    token = node.token();
    org = "base-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(api.post(ORGS, token, new JsonObject().put("id", org).put("displayName", "Base")).status())
        .isEqualTo(201);
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private Res raw(String method, String path, String body, String contentType, String... more) {
    String[] h = new String[4 + more.length];
    h[0] = "Authorization";
    h[1] = "Bearer " + token;
    h[2] = "Content-Type";
    h[3] = contentType;
    System.arraycopy(more, 0, h, 4, more.length);
    return api.send(method, path, body, h);
  }

  private static void assertError(Res r, int status, String mention) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    JsonObject err = r.json().getJsonObject("error");
    assertThat(err.getInteger("code")).isEqualTo(status);
    assertThat(err.getString("message")).isNotBlank();
    if (mention != null) {
      assertThat(r.body()).contains(mention);
    }
    assertThat(r.header("X-Request-Id")).isNotBlank();
  }

  private void assertBaseUnchanged() {
    JsonObject o = api.get(ORGS + "/" + org, token).json();
    assertThat(o.getString("displayName")).isEqualTo("Base");
    assertThat(o.getString("etag")).startsWith("\"1-");
  }

  @Test
  void malformedJson() {
    Res r = raw("POST", ORGS, "{\"id\": \"x\",", "application/json");
    assertError(r, 400, "JSON");
    CONTRACT.assertValid("createOrganization", 400, r.body());
    assertError(raw("PATCH", ORGS + "/" + org, "{\"displayName\": \"A\"} trailing", "application/json"), 400, "JSON");
    assertError(raw("PATCH", ORGS + "/" + org, "{\"displayName\":\"A\",\"displayName\":\"B\"}", "application/json"),
        400, null);
    assertError(raw("POST", ORGS, "", "application/json"), 400, null);
    assertError(raw("POST", ORGS, "[1,2]", "application/json"), 400, "object");
    assertBaseUnchanged();
  }

  @Test
  void wrongJsonTypes() {
    Res r = raw("POST", ORGS, "{\"id\": 42}", "application/json");
    assertError(r, 400, "id");
    r = raw("POST", PROJECTS, "{\"organizationId\": [\"" + org + "\"]}", "application/json");
    assertError(r, 400, "organizationId");
    r = raw("PATCH", ORGS + "/" + org, "{\"displayName\": {\"text\": \"x\"}}", "application/merge-patch+json");
    assertError(r, 400, "displayName");
    CONTRACT.assertValid("updateOrganization", 400, r.body());
    assertBaseUnchanged();
  }

  @Test
  void unknownFieldsAreNamed() {
    Res r = raw("POST", ORGS, "{\"id\": \"u-" + UUID.randomUUID().toString().substring(0, 6) + "\", \"colour\": \"red\"}",
        "application/json");
    assertError(r, 400, "colour");
    JsonObject violation = r.json().getJsonObject("error").getJsonArray("details").getJsonObject(1)
        .getJsonArray("fieldViolations").getJsonObject(0);
    assertThat(violation.getString("field")).isEqualTo("colour");
    r = raw("PATCH", ORGS + "/" + org, "{\"displayName\": \"x\", \"bogus\": 1}", "application/json");
    assertError(r, 400, "bogus");
    assertBaseUnchanged();
  }

  @Test
  void idMustBeASlug() {
    for (String bad : new String[] {"Upper", "1starts-with-digit", "ends-with-", "has_underscore", "",
        "a".repeat(64), "spa ce", "ünïcode"}) {
      Res r = api.post(ORGS, token, new JsonObject().put("id", bad));
      assertError(r, 400, "id");
    }
    assertThat(api.post(ORGS, token, new JsonObject().put("id", "a".repeat(63))).status()).isIn(201, 409);
  }

  @Test
  void displayNameOver255Characters() {
    Res r = api.post(ORGS, token, new JsonObject().put("displayName", "x".repeat(256)));
    assertError(r, 400, "displayName");
    r = api.patch(ORGS + "/" + org, token, new JsonObject().put("displayName", "x".repeat(256)));
    assertError(r, 400, "displayName");
    assertThat(api.post(ORGS, token, new JsonObject().put("displayName", "x".repeat(255))).status()).isEqualTo(201);
    assertBaseUnchanged();
  }

  @Test
  void bodyOverOneMebibyteIs413() {
    String big = "{\"displayName\": \"" + "x".repeat(1024 * 1024 + 10) + "\"}";
    Res r = raw("POST", ORGS, big, "application/json");
    assertError(r, 413, null);
    r = raw("PATCH", ORGS + "/" + org, big, "application/json");
    assertError(r, 413, null);
    assertBaseUnchanged();
  }

  @Test
  void wrongContentTypeIs415() {
    Res r = raw("POST", ORGS, "{\"id\":\"ct-x\"}", "text/plain");
    assertError(r, 415, "application/json");
    r = raw("PATCH", ORGS + "/" + org, "displayName=x", "application/x-www-form-urlencoded");
    assertError(r, 415, null);
    r = api.send("POST", ORGS, "{}", "Authorization", "Bearer " + token);
    assertError(r, 415, null);
    assertBaseUnchanged();
  }

  @Test
  void readOnlyFieldsInPatchAreRefused() {
    for (String field : new String[] {"id", "uid", "selfLink", "createdAt", "updatedAt", "etag"}) {
      Res r = raw("PATCH", ORGS + "/" + org, new JsonObject().put(field, "x").encode(), "application/merge-patch+json");
      assertError(r, 400, field);
      assertThat(r.body()).contains("read-only");
    }
    assertBaseUnchanged();
  }

  @Test
  void pathIdsThatAreNotSlugsAre404() {
    assertError(api.get(ORGS + "/NOT_A_SLUG", token), 404, null);
    assertError(api.get(ORGS + "/" + UUID.randomUUID(), token), 404, null);
  }

  @Test
  void unknownPathAndMethod() {
    assertError(api.get("/v1/regions/global/nothing-here", token), 404, null);
    Res r = api.send("PUT", ORGS + "/" + org, "{}", "Authorization", "Bearer " + token, "Content-Type",
        "application/json");
    assertError(r, 405, null);
    assertBaseUnchanged();
  }

  @Test
  void badIdempotencyKeyAndRepeatedQueryParameters() {
    Res r = api.post(ORGS, token, new JsonObject(), "Idempotency-Key", "x".repeat(256));
    assertError(r, 400, "Idempotency-Key");
    assertError(api.get(PROJECTS + "?organizationId=a&organizationId=b", token), 400, "organizationId");
    assertError(api.get(PROJECTS + "?organizationId=Not_A_Slug", token), 400, "organizationId");
  }

  @Test
  void requestIdIsEchoedWhenSaneAndReplacedOtherwise() {
    Res r = api.send("GET", ORGS + "/" + org, null, "Authorization", "Bearer " + token, "X-Request-Id", "trace-123.a:b");
    assertThat(r.header("X-Request-Id")).isEqualTo("trace-123.a:b");
    r = api.send("GET", ORGS + "/" + org, null, "Authorization", "Bearer " + token, "X-Request-Id", "bad id <script>");
    assertThat(r.header("X-Request-Id")).isNotEqualTo("bad id <script>").matches("[0-9a-f-]{36}");
    assertThat(api.send("GET", "/nope", null).header("X-Request-Id")).isNotBlank();
  }
}
