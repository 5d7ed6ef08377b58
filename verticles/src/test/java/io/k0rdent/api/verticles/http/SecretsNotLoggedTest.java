package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.read.ListAppender;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * No secret reaches the logs or the console. Everything logged (every logger at every level, through a
 * Logback appender on the root logger: message, arguments, MDC, key-value pairs, exceptions with their
 * causes) and everything written to {@code System.out} and {@code System.err} is captured from before the
 * node starts until the end of a full flow: a service account and two credentials, tokens by
 * {@code client_credentials} with HTTP Basic, a form body and a JSON body; an API key, tokens by the
 * {@code api_key} grant, rotation; introspection and revocation; and failing attempts (wrong and unknown
 * secrets, the rotated-out key, secrets sent where a token belongs, malformed bodies carrying secrets).
 * Then none of the secrets (the bootstrap secret, client secrets, API key secrets, the wrong secrets
 * tried, every access token and its signature, the signing key's private part) may appear in the capture,
 * nor in the body of a refusal.
 */
class SecretsNotLoggedTest extends NodeHttpTest {

  static final String TOKEN = "/v1/regions/global/auth/token";
  static final String INTROSPECT = "/v1/regions/global/auth/introspect";
  static final String REVOKE = "/v1/regions/global/auth/revoke";
  static final String SERVICE_ACCOUNTS = "/v1/regions/global/iam/service-accounts";
  static final String API_KEYS = "/v1/regions/global/iam/apikeys";

  /** Everything written, from every source. */
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private OutputStream sink;
  private PrintStream originalOut;
  private PrintStream originalErr;
  private OutputStreamAppender<ILoggingEvent> streamAppender;
  private ListAppender<ILoggingEvent> listAppender;
  private final Map<String, Level> originalLevels = new LinkedHashMap<>();
  private boolean capturing;

  /** What must never be written: name → value. */
  private final Map<String, String> secrets = new LinkedHashMap<>();

  @Override
  TestNode startNode() {
    startCapture();
    return super.startNode();
  }

  // ------------------------------------------------------------------------------------------ capture

  private static LoggerContext logback() {
    return (LoggerContext) LoggerFactory.getILoggerFactory();
  }

  private void startCapture() {
    sink = new OutputStream() {
      @Override
      public void write(int b) {
        synchronized (captured) {
          captured.write(b);
        }
      }

      @Override
      public void write(byte[] b, int off, int len) {
        synchronized (captured) {
          captured.write(b, off, len);
        }
      }
    };
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(new PrintStream(tee(originalOut, sink), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(tee(originalErr, sink), true, StandardCharsets.UTF_8));

    LoggerContext ctx = logback();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern("%d %level [%thread] %logger %mdc %kvp %msg%n%ex{full}");
    encoder.setCharset(StandardCharsets.UTF_8);
    encoder.start();
    streamAppender = new OutputStreamAppender<>();
    streamAppender.setContext(ctx);
    streamAppender.setName("secrets-capture");
    streamAppender.setEncoder(encoder);
    streamAppender.setOutputStream(sink);
    streamAppender.setImmediateFlush(true);
    streamAppender.start();
    listAppender = new ListAppender<>();
    listAppender.setContext(ctx);
    listAppender.setName("secrets-capture-list");
    listAppender.start();
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(streamAppender);
    root.addAppender(listAppender);
    // Every level of our own code and of the HTTP stack; DEBUG for the rest (Hazelcast's TRACE is noise).
    for (String name : List.of(Logger.ROOT_LOGGER_NAME, "io.k0rdent", "io.vertx", "io.netty")) {
      Logger l = ctx.getLogger(name);
      originalLevels.put(name, l.getLevel());
      l.setLevel(name.equals(Logger.ROOT_LOGGER_NAME) ? Level.DEBUG : Level.ALL);
    }
    capturing = true;
  }

  private static OutputStream tee(OutputStream a, OutputStream b) {
    return new OutputStream() {
      @Override
      public void write(int x) throws java.io.IOException {
        a.write(x);
        b.write(x);
      }

      @Override
      public void write(byte[] buf, int off, int len) throws java.io.IOException {
        a.write(buf, off, len);
        b.write(buf, off, len);
      }

      @Override
      public void flush() throws java.io.IOException {
        a.flush();
        b.flush();
      }
    };
  }

  private void stopCapture() {
    if (!capturing) {
      return;
    }
    capturing = false;
    System.out.flush();
    System.err.flush();
    System.setOut(originalOut);
    System.setErr(originalErr);
    LoggerContext ctx = logback();
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAppender(streamAppender);
    root.detachAppender(listAppender);
    streamAppender.stop();
    listAppender.stop();
    originalLevels.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
  }

  @AfterAll
  void restore() {
    stopCapture();
  }

  /** The raw parts of a logged event a layout other than ours might write. */
  private static String rawParts(ILoggingEvent e) {
    StringBuilder b = new StringBuilder().append(e.getMessage()).append('\n');
    if (e.getArgumentArray() != null) {
      for (Object a : e.getArgumentArray()) {
        b.append(a).append('\n');
      }
    }
    b.append(e.getMDCPropertyMap()).append('\n');
    if (e.getKeyValuePairs() != null) {
      e.getKeyValuePairs().forEach(kv -> b.append(kv.key).append('=').append(kv.value).append('\n'));
    }
    for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
      b.append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
      for (StackTraceElementProxy s : t.getStackTraceElementProxyArray()) {
        b.append(s.getSTEAsString()).append('\n');
      }
      for (IThrowableProxy sup : t.getSuppressed()) {
        b.append(sup.getClassName()).append(": ").append(sup.getMessage()).append('\n');
      }
    }
    return b.toString();
  }

  // ------------------------------------------------------------------------------------------ flow

  private void secret(String name, String value) {
    assertThat(value).as(name).isNotBlank();
    secrets.put(name, value);
    // The random tail too: a log that shows a secret shortened or split must not show its random part.
    int cut = value.lastIndexOf('_');
    if (cut > 0 && value.length() - cut - 1 >= 16) {
      secrets.put(name + " (random part)", value.substring(cut + 1));
    }
  }

  private void accessToken(String name, String jwt) {
    assertThat(jwt).as(name).isNotBlank();
    secrets.put(name, jwt);
    secrets.put(name + " (signature)", jwt.substring(jwt.lastIndexOf('.') + 1));
  }

  private static String basic(String id, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((Api.enc(id) + ":" + Api.enc(secret))
        .getBytes(StandardCharsets.UTF_8));
  }

  private Res form(String path, String body, String... headers) {
    String[] h = new String[2 + headers.length];
    h[0] = "Content-Type";
    h[1] = "application/x-www-form-urlencoded";
    System.arraycopy(headers, 0, h, 2, headers.length);
    return api.send("POST", path, body, h);
  }

  private Res json(String path, JsonObject body, String... headers) {
    String[] h = new String[2 + headers.length];
    h[0] = "Content-Type";
    h[1] = "application/json";
    System.arraycopy(headers, 0, h, 2, headers.length);
    return api.send("POST", path, body.encode(), h);
  }

  private static String tokenOf(Res r) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("access_token");
  }

  /** A refusal whose body does not echo what was sent. */
  private final List<Res> refusals = new ArrayList<>();

  private void refused(Res r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    refusals.add(r);
  }

  private void fullFlow() {
    secret("bootstrap client secret", TestNode.CLIENT_SECRET);
    accessToken("bootstrap token", token);
    secrets.put("signing key (private part)", node.node().services().signingKeys().current().getD().toString());

    // A service account with two credentials.
    Res sa = api.post(SERVICE_ACCOUNTS, token, new JsonObject().put("displayName", "Secrets flow")
        .put("scope", "organization").put("scopeId", "provider"));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    String saId = sa.json().getString("id");
    String clientId = sa.json().getString("clientId");
    Res c1 = api.post(SERVICE_ACCOUNTS + "/" + saId + "/credentials", token, new JsonObject());
    assertThat(c1.status()).as(c1.body()).isEqualTo(201);
    String cs1 = c1.json().getString("clientSecret");
    secret("client secret 1", cs1);
    Res c2 = api.post(SERVICE_ACCOUNTS + "/" + saId + "/credentials", token, new JsonObject(),
        "Idempotency-Key", "secrets-flow-credential-2");
    assertThat(c2.status()).as(c2.body()).isEqualTo(201);
    String cs2 = c2.json().getString("clientSecret");
    secret("client secret 2", cs2);

    // client_credentials: Basic, form body, JSON body, JSON body with Basic.
    String t1 = tokenOf(form(TOKEN, "grant_type=client_credentials", "Authorization", basic(clientId, cs1)));
    accessToken("token 1 (Basic)", t1);
    String t2 = tokenOf(form(TOKEN, "grant_type=client_credentials&client_id=" + Api.enc(clientId)
        + "&client_secret=" + Api.enc(cs1)));
    accessToken("token 2 (form body)", t2);
    String t3 = tokenOf(json(TOKEN, new JsonObject().put("grant_type", "client_credentials")
        .put("client_id", clientId).put("client_secret", cs2)));
    accessToken("token 3 (JSON body)", t3);
    String t4 = tokenOf(json(TOKEN, new JsonObject().put("grant_type", "client_credentials"), "Authorization",
        basic(clientId, cs2)));
    accessToken("token 4 (JSON, Basic)", t4);

    // An API key: the api_key grant, rotation, the new secret.
    Res key = api.post(API_KEYS, token, new JsonObject().put("displayName", "Secrets flow key")
        .put("scope", "organization").put("scopeId", "provider"));
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    String keyId = key.json().getString("id");
    String k1 = key.json().getString("secret");
    secret("API key secret", k1);
    String t5 = tokenOf(form(TOKEN, "grant_type=api_key&api_key=" + Api.enc(k1)));
    accessToken("token 5 (api_key, form)", t5);
    String t6 = tokenOf(json(TOKEN, new JsonObject().put("grant_type", "api_key").put("api_key", k1)));
    accessToken("token 6 (api_key, JSON)", t6);
    Res rotated = api.post(API_KEYS + "/" + keyId + ":rotate", token, new JsonObject().put("gracePeriodSeconds", 0));
    assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
    String k2 = rotated.json().getString("secret");
    secret("API key secret after rotation", k2);
    String t7 = tokenOf(json(TOKEN, new JsonObject().put("grant_type", "api_key").put("api_key", k2)));
    accessToken("token 7 (rotated key)", t7);

    // Tokens at work, introspected (by Basic, by bearer, by the body) and revoked.
    assertThat(api.get(SERVICE_ACCOUNTS + "/" + saId, t1).status()).isIn(200, 403, 404);
    assertThat(api.get(API_KEYS + "/" + keyId, t7).status()).isIn(200, 403, 404);
    Res i1 = form(INTROSPECT, "token=" + Api.enc(t3), "Authorization", basic(clientId, cs1));
    assertThat(i1.status()).as(i1.body()).isEqualTo(200);
    assertThat(i1.json().getBoolean("active")).isTrue();
    Res i2 = json(INTROSPECT, new JsonObject().put("token", t7), "Authorization", "Bearer " + token);
    assertThat(i2.json().getBoolean("active")).isTrue();
    Res i3 = json(INTROSPECT, new JsonObject().put("token", t5).put("client_id", TestNode.CLIENT_ID)
        .put("client_secret", TestNode.CLIENT_SECRET));
    assertThat(i3.json().getBoolean("active")).isTrue();
    assertThat(form(REVOKE, "token=" + Api.enc(t1) + "&token_type_hint=access_token", "Authorization",
        basic(clientId, cs1)).status()).isEqualTo(200);
    assertThat(json(REVOKE, new JsonObject().put("token", t6), "Authorization", "Bearer " + t7).status())
        .isEqualTo(200);
    assertThat(json(REVOKE, new JsonObject().put("token", t5), "Authorization",
        basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET)).status()).isEqualTo(200);
    refused(api.get(SERVICE_ACCOUNTS + "/" + saId, t1), 401); // revoked
    assertThat(json(INTROSPECT, new JsonObject().put("token", t1), "Authorization", "Bearer " + token).body())
        .isEqualTo("{\"active\":false}");

    // Failing attempts.
    String wrongCs = cs1.substring(0, cs1.length() - 6) + "WRONG1";
    secret("wrong client secret", wrongCs);
    refused(form(TOKEN, "grant_type=client_credentials", "Authorization", basic(clientId, wrongCs)), 401);
    refused(form(TOKEN, "grant_type=client_credentials&client_id=" + Api.enc(clientId) + "&client_secret="
        + Api.enc(wrongCs)), 401);
    String wrongBootstrap = TestNode.CLIENT_SECRET + "x";
    secret("wrong bootstrap secret", wrongBootstrap);
    refused(json(TOKEN, new JsonObject().put("grant_type", "client_credentials").put("client_id", TestNode.CLIENT_ID)
        .put("client_secret", wrongBootstrap)), 401);
    String guess = "hunter2-not-a-real-secret-0123456789";
    secret("a guessed secret", guess);
    refused(form(TOKEN, "grant_type=client_credentials", "Authorization", basic("nobody@nowhere.iam", guess)), 401);
    refused(form(TOKEN, "grant_type=client_credentials", "Authorization", basic(clientId, cs1 + "\u00e9")), 401);
    refused(form(TOKEN, "grant_type=client_credentials", "Authorization", "Basic "
        + Base64.getEncoder().encodeToString((clientId + cs1).getBytes(StandardCharsets.UTF_8))), 401);
    refused(form(TOKEN, "grant_type=client_credentials", "Authorization", "Basic " + cs1), 401);
    refused(form(TOKEN, "grant_type=client_credentials&client_secret=" + Api.enc(cs2), "Authorization",
        basic(clientId, cs1)), 400); // both methods
    refused(form(TOKEN, "grant_type=client_credentials&client_secret=" + Api.enc(cs1) + "&client_secret="
        + Api.enc(cs2) + "&client_id=" + Api.enc(clientId)), 400); // repeated
    refused(api.send("POST", TOKEN, "{\"grant_type\":\"client_credentials\",\"client_secret\":\"" + cs1 + "\"",
        "Content-Type", "application/json"), 400); // truncated JSON
    refused(api.send("POST", TOKEN, "grant_type=client_credentials&client_secret=" + cs1, "Content-Type",
        "text/plain"), 400);
    refused(form(TOKEN, "grant_type=password&username=" + Api.enc(clientId) + "&password=" + Api.enc(cs1)), 400);
    refused(form(TOKEN, "grant_type=api_key&api_key=" + Api.enc(k1)), 400); // rotated out
    String wrongKey = k2.substring(0, k2.length() - 6) + "WRONG2";
    secret("wrong API key secret", wrongKey);
    refused(json(TOKEN, new JsonObject().put("grant_type", "api_key").put("api_key", wrongKey)), 400);
    refused(json(TOKEN, new JsonObject().put("grant_type", "api_key").put("api_key", guess)), 400);
    // Secrets where a bearer token belongs.
    refused(api.get(ORGS, cs1), 401);
    refused(api.get(ORGS, k2), 401);
    refused(api.send("GET", ORGS, null, "Authorization", basic(clientId, cs1)), 401);
    refused(form(INTROSPECT, "token=" + Api.enc(k2), "Authorization", basic(clientId, wrongCs)), 401);
    refused(form(INTROSPECT, "token=" + Api.enc(t3), "Authorization", "Bearer " + cs2), 401);
    refused(form(REVOKE, "token=" + Api.enc(t3), "Authorization", "Bearer " + k2), 401);
    // A tampered token.
    String tampered = t3.substring(0, t3.length() - 4) + "AAAA";
    accessToken("tampered token", tampered);
    refused(api.get(ORGS, tampered), 401);
  }

  @Test
  void noSecretIsLoggedOrPrinted() {
    try {
      fullFlow();
    } finally {
      stopCapture();
    }
    String output;
    synchronized (captured) {
      output = captured.toString(StandardCharsets.UTF_8);
    }
    StringBuilder raw = new StringBuilder();
    for (ILoggingEvent e : listAppender.list) {
      raw.append(rawParts(e));
    }
    assertThat(listAppender.list).as("the capture saw log events at all").isNotEmpty();
    assertThat(output).as("the capture saw output at all").isNotEmpty();
    List<String> leaks = new ArrayList<>();
    secrets.forEach((name, value) -> {
      if (output.contains(value)) {
        leaks.add(name + " in the output");
      }
      if (raw.indexOf(value) >= 0) {
        leaks.add(name + " in a log event's parts");
      }
      if (Api.enc(value).length() != value.length() && (output.contains(Api.enc(value)) || raw.indexOf(Api.enc(value)) >= 0)) {
        leaks.add(name + " (form-encoded) in the output");
      }
      for (Res r : refusals) {
        if (r.body().contains(value)) {
          leaks.add(name + " echoed in a refusal: " + r.body());
        }
      }
    });
    assertThat(leaks).as("secrets that leaked (%d secrets checked, %d log events, %d characters of output)",
        secrets.size(), listAppender.list.size(), output.length()).isEmpty();
  }
}
