package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every kind of bad input the foundation issue lists answers a clear 4xx in the contract's error format,
 * and leaves what is stored untouched.
 */
class BadInputHttpTest extends NodeHttpTest {

  String org;

  @BeforeAll
  void createBaseOrganization() {
    org = "base-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(api.post(ORGS, token, new JsonObject().put("id", org).put("displayName", "Base")).status())
        .isEqualTo(201);
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

  @Test
  void textThatCannotBeStoredFaithfullyIsRefused() {
    for (String bad : new String[] {"a\\u0000b", "\\ud800x", "x\\udc00", "bell\\u0007", "esc\\u001b[31m",
        "c1\\u0085"}) {
      Res r = raw("POST", ORGS, "{\"displayName\":\"" + bad + "\"}", "application/json");
      assertError(r, 400, "displayName");
      r = raw("POST", ORGS, "{\"description\":\"" + bad + "\"}", "application/json");
      assertError(r, 400, "description");
    }
    for (String bad : new String[] {"", "two\\nlines", "tab\\there"}) {
      assertError(raw("POST", ORGS, "{\"displayName\":\"" + bad + "\"}", "application/json"), 400, "displayName");
    }
    Res multiline = raw("POST", ORGS, "{\"description\":\"line one\\nline two\\ttabbed\"}", "application/json");
    assertThat(multiline.status()).isEqualTo(201);
    Res emoji = api.post(ORGS, token, new JsonObject().put("displayName", "\uD83D\uDE80 launch \u05D0"));
    assertThat(emoji.status()).isEqualTo(201);
    assertThat(emoji.json().getString("displayName")).isEqualTo("\uD83D\uDE80 launch \u05D0");
    assertBaseUnchanged();
  }

  @Test
  void bodiesThatAreNotUtf8AreRefused() {
    byte[] overlong = "{\"displayName\":\"\u00c0\u00af\"}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    Res r = api.sendBytes("POST", ORGS, overlong, "Authorization", "Bearer " + token, "Content-Type", "application/json");
    assertError(r, 400, "UTF-8");
    byte[] utf16 = "{\"displayName\":\"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
    assertError(api.sendBytes("POST", ORGS, utf16, "Authorization", "Bearer " + token, "Content-Type", "application/json"),
        400, null);
  }

  @Test
  void manyUnknownFieldsAreCappedInTheAnswer() {
    JsonObject body = new JsonObject();
    for (int i = 0; i < 5000; i++) {
      body.put("f" + i, i);
    }
    Res r = api.post(ORGS, token, body);
    assertError(r, 400, "5000 fields are invalid");
    assertThat(r.json().getJsonObject("error").getJsonArray("details").getJsonObject(1)
        .getJsonArray("fieldViolations").size()).isEqualTo(20);
    assertThat(r.body().length()).isLessThan(4096);
  }

  @Test
  void ifMatchIsParsedAsRfc9110Says() {
    JsonObject o = api.post(ORGS, token, new JsonObject().put("displayName", "im")).json();
    String path = ORGS + "/" + o.getString("id");
    String etag = o.getString("etag");
    Res twoLines = api.send("PATCH", path, "{\"description\":\"a\"}", "Authorization", "Bearer " + token,
        "Content-Type", "application/json", "If-Match", "\"zzz\"", "If-Match", etag);
    assertThat(twoLines.status()).isEqualTo(200);
    String current = twoLines.json().getString("etag");
    assertError(api.patch(path, token, new JsonObject().put("description", "b"), "If-Match", "*, " + current), 400,
        "If-Match");
    assertError(api.patch(path, token, new JsonObject().put("description", "b"), "If-Match", "not-quoted"), 400,
        "If-Match");
    assertError(api.patch(path, token, new JsonObject().put("description", "b"), "If-Match", "W/" + current), 412, null);
    assertThat(api.patch(path, token, new JsonObject().put("description", "b"), "If-Match", "*").status()).isEqualTo(200);
  }

  @Test
  void emptyPatchChangesNothing() {
    JsonObject o = api.post(ORGS, token, new JsonObject().put("displayName", "still")).json();
    Res r = api.patch(ORGS + "/" + o.getString("id"), token, new JsonObject());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("etag")).isEqualTo(o.getString("etag"));
    assertThat(r.json().getString("updatedAt")).isEqualTo(o.getString("updatedAt"));
    Res same = api.patch(ORGS + "/" + o.getString("id"), token, new JsonObject().put("displayName", "still"));
    assertThat(same.json().getString("etag")).isEqualTo(o.getString("etag"));
  }

  @Test
  void theProviderOrganizationCannotBeDeleted() {
    Res r = api.delete(ORGS + "/provider", token);
    assertError(r, 409, "provider");
    assertThat(api.get(ORGS + "/provider", token).status()).isEqualTo(200);
  }

  @Test
  void twoAuthorizationHeadersAreRefused() {
    Res r = api.send("GET", ORGS, null, "Authorization", "Bearer " + token, "Authorization", "Bearer x");
    assertError(r, 400, "Authorization");
  }

  @Test
  void headAndAllow() {
    Res head = api.send("HEAD", ORGS + "/" + org, null, "Authorization", "Bearer " + token);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.header("ETag")).isNotBlank();
    assertThat(api.send("HEAD", "/openapi.json", null).status()).isEqualTo(200);
    Res put = api.send("PUT", ORGS + "/" + org, "{}", "Authorization", "Bearer " + token, "Content-Type",
        "application/json");
    assertThat(put.status()).isEqualTo(405);
    assertThat(put.header("Allow")).isEqualTo("DELETE, GET, HEAD, PATCH");
  }

  @Test
  void malformedHostHeadersAre400NotHangsOr500s() throws Exception {
    int port = node.node().arcPort();
    for (String host : new String[] {null, "a b c", "[::1", "x:99999", "x@y", "a/b", "%41", "%00", "%zz"}) {
      String request = "GET /v1/regions/global/organizations HTTP/1.1\r\n"
          + (host == null ? "" : "Host: " + host + "\r\n") + "Authorization: Bearer " + token + "\r\n\r\n";
      String response = rawExchange(port, request);
      assertThat(response).as("Host: %s", host).startsWith("HTTP/1.1 400");
      assertThat(response).contains("\"code\":400").contains("X-Request-Id");
    }
    String twoHosts = rawExchange(port, "GET /v1/regions/global/organizations HTTP/1.1\r\nHost: a\r\nHost: b\r\n"
        + "Authorization: Bearer " + token + "\r\n\r\n");
    assertThat(twoHosts).startsWith("HTTP/1.1 400");
    String ok = rawExchange(port, "GET /v1/regions/global/organizations HTTP/1.1\r\nHost: 127.0.0.1:" + port
        + "\r\nConnection: close\r\nAuthorization: Bearer " + token + "\r\n\r\n");
    assertThat(ok).startsWith("HTTP/1.1 200");
  }

  @Test
  void oversizedRequestLineAndHeadersAnswerInTheErrorFormat() throws Exception {
    int port = node.node().arcPort();
    String longUri = rawExchange(port, "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    // Netty cannot read the version of a request line it cut short, so the status line may say HTTP/1.0.
    assertThat(longUri).matches("(?s)HTTP/1\\.[01] 414 .*").contains("\"code\":414");
    String bigHeader = rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n");
    assertThat(bigHeader).startsWith("HTTP/1.1 431").contains("\"code\":431");
  }

  private static String rawExchange(int port, String request) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = s.getInputStream().read(buf)) > 0) {
          out.write(buf, 0, n);
          if (out.toString(java.nio.charset.StandardCharsets.ISO_8859_1).contains("\r\n\r\n{")
              && out.toString(java.nio.charset.StandardCharsets.ISO_8859_1).endsWith("}")) {
            break;
          }
        }
      } catch (java.net.SocketTimeoutException e) {
        // whatever arrived is the answer
      }
      return out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void formBodiesAndBrokenEscapesNeverReachADecoder() throws Exception {
    Res form = raw("POST", ORGS, "a=%zz&=x", "application/x-www-form-urlencoded");
    assertError(form, 415, null);
    Res multipart = raw("PATCH", ORGS + "/" + org, "--x--", "multipart/form-data");
    assertError(multipart, 415, null);
    int port = node.node().arcPort();
    for (String target : new String[] {ORGS + "/%", ORGS + "/a%zz", ORGS + "?%", ORGS + "?a=%zz", "/docs/%zz",
        "/.well-known/%", ORGS + "/%C0%AF"}) {
      String r = rawExchange(port, "GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
          + "\r\n\r\n");
      assertThat(r).as(target).startsWith("HTTP/1.1 400").contains("INVALID_URI");
    }
    assertBaseUnchanged();
  }

  @Test
  void repeatedSingleValuedHeadersAndOddFramingAreRefused() throws Exception {
    assertError(api.send("POST", ORGS, "{}", "Authorization", "Bearer " + token, "Content-Type", "application/json",
        "Idempotency-Key", "a", "Idempotency-Key", "b"), 400, "Idempotency-Key");
    int port = node.node().arcPort();
    String twoTypes = rawExchange(port, "POST " + ORGS + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
        + "\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}");
    assertThat(twoTypes).startsWith("HTTP/1.1 400").contains("Content-Type");
    String gzip = rawExchange(port, "GET " + ORGS + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
        + "Authorization: Bearer " + token + "\r\n\r\n");
    assertThat(gzip).startsWith("HTTP/1.1 400").contains("INVALID_FRAMING");
  }

  @Test
  void displayNamesMustBeVisibleText() {
    for (String bad : new String[] {"   ", "\u200B", "\uFEFFname", "evil\u202Etxt.exe", "a\u2066b"}) {
      assertError(api.post(ORGS, token, new JsonObject().put("displayName", bad)), 400, "displayName");
    }
    assertThat(api.post(ORGS, token, new JsonObject().put("displayName", "Équipe \uD83D\uDC69\u200D\uD83D\uDCBB ML"))
        .status()).isEqualTo(201);
  }

  @Test
  void ifMatchTagsMayHoldCommasAndGetEvaluatesIt() {
    Res r = api.patch(ORGS + "/" + org, token, new JsonObject().put("displayName", "Base"), "If-Match", "\"a,b\"");
    assertError(r, 412, null);
    String etag = api.get(ORGS + "/" + org, token).json().getString("etag");
    assertError(api.send("GET", ORGS + "/" + org, null, "Authorization", "Bearer " + token, "If-Match", "\"zzz\""),
        412, null);
    assertThat(api.send("GET", ORGS + "/" + org, null, "Authorization", "Bearer " + token, "If-Match", etag).status())
        .isEqualTo(200);
  }
}
