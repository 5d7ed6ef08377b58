package io.k0rdent.api.verticles.redfish;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake Redfish BMC (DMTF DSP0266) serving one captured resource tree of {@code shared/redfish-mockups}, for
 * tests and for {@code dev}: a Vert.x HTTP server on loopback that keeps state, so a client's changes are read
 * back as a BMC would show them.
 *
 * <ul>
 *   <li><b>Layouts.</b> Short (the folder is {@code /redfish/v1}) and tall (the folder holds
 *       {@code redfish/v1/...}); {@code GET /redfish/v1/X/Y} reads {@code X/Y/index.json}, a trailing slash
 *       ignored, and every resource is loaded once, then kept (and changed) in memory. Paths are matched as
 *       captured (HPE mixes {@code Systems} and {@code systems}); nothing outside the tree is ever read.</li>
 *   <li><b>Authentication.</b> The service root ({@code /redfish}, {@code /redfish/v1}) is open, as Redfish says;
 *       everything else needs HTTP Basic with the configured user, or an {@code X-Auth-Token} from
 *       {@code POST .../SessionService/Sessions} ({@code {"UserName","Password"}} → 201, token header and
 *       {@code Location}); {@code DELETE} of the session's {@code Location} logs out. Otherwise 401.</li>
 *   <li><b>Power.</b> {@code POST <system>/Actions/ComputerSystem.Reset} with a {@code ResetType} the system
 *       allows (inline {@code ResetType@Redfish.AllowableValues}, else its {@code @Redfish.ActionInfo}'s
 *       {@code Parameters}) sets {@code PowerState} ({@code On}, {@code ForceOn}, the restarts and
 *       {@code PowerCycle} → {@code On}; {@code ForceOff}, {@code GracefulShutdown} → {@code Off};
 *       {@code PushPowerButton} toggles) and answers 204; an unknown or disallowed type is a 400 with a Redfish
 *       error body.</li>
 *   <li><b>ETags.</b> Every GET carries an {@code ETag} that changes whenever the resource changes.</li>
 * </ul>
 * Quirks of real BMCs (lagging power state, 428/412 on PATCH, tasks, slow answers) are to come, one switch each.
 */
public final class FakeBmc {

  private static final String ROOT = "/redfish/v1";
  private static final String RESET = "/Actions/ComputerSystem.Reset";
  private static final String SESSIONS = "/SessionService/Sessions";

  private final Path tree;
  private final String username;
  private final String password;
  private final Map<String, JsonObject> resources = new ConcurrentHashMap<>();
  private final Map<String, String> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private HttpServer server;

  private FakeBmc(Path tree, String username, String password) {
    this.tree = tree;
    this.username = username;
    this.password = password;
  }

  /**
   * Starts a fake BMC serving {@code mockup} (a folder of {@code shared/redfish-mockups}) on 127.0.0.1:{@code port}
   * (0: a free port), accepting {@code username}/{@code password}.
   *
   * @throws IllegalArgumentException when the folder holds no Redfish service root
   */
  public static Future<FakeBmc> start(Vertx vertx, Path mockup, int port, String username, String password) {
    Path tall = mockup.resolve("redfish").resolve("v1");
    Path tree = Files.isRegularFile(tall.resolve("index.json")) ? tall : mockup;
    if (!Files.isRegularFile(tree.resolve("index.json"))) {
      return Future.failedFuture(new IllegalArgumentException(mockup + " holds no Redfish service root"));
    }
    FakeBmc bmc = new FakeBmc(tree.toAbsolutePath().normalize(), username, password);
    return vertx.createHttpServer().requestHandler(bmc::handle).listen(port, "127.0.0.1").map(s -> {
      bmc.server = s;
      return bmc;
    });
  }

  /** The port it listens on. */
  public int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String address() {
    return "http://127.0.0.1:" + port();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest req) {
    req.body().onComplete(body -> {
      try {
        String path = req.path().length() > 1 && req.path().endsWith("/")
            ? req.path().substring(0, req.path().length() - 1) : req.path();
        if (path.equals("/redfish")) {
          json(req, 200, new JsonObject().put("v1", ROOT + "/"));
          return;
        }
        if (!path.equals(ROOT) && !path.startsWith(ROOT + "/")) {
          error(req, 404, "Base.1.0.ResourceMissingAtURI", "no resource at " + path);
          return;
        }
        boolean sessionLogin = req.method().name().equals("POST") && path.endsWith(SESSIONS);
        if (!path.equals(ROOT) && !sessionLogin && !authenticated(req)) {
          req.response().putHeader("WWW-Authenticate", "Basic realm=\"fake BMC\"");
          error(req, 401, "Base.1.0.NoValidSession", "authentication required");
          return;
        }
        JsonObject in = body.succeeded() && body.result().length() > 0 ? parse(body.result().toString()) : null;
        switch (req.method().name()) {
          case "GET", "HEAD" -> get(req, path);
          case "POST" -> {
            if (sessionLogin) {
              login(req, path, in);
            } else if (path.endsWith(RESET)) {
              reset(req, path.substring(0, path.length() - RESET.length()), in);
            } else {
              error(req, 405, "Base.1.0.ActionNotSupported", "POST is not supported at " + path);
            }
          }
          case "DELETE" -> logout(req, path);
          default -> error(req, 405, "Base.1.0.OperationNotAllowed", req.method() + " is not supported here");
        }
      } catch (RuntimeException e) {
        error(req, 400, "Base.1.0.MalformedJSON", String.valueOf(e.getMessage()));
      }
    });
  }

  private boolean authenticated(HttpServerRequest req) {
    String token = req.getHeader("X-Auth-Token");
    if (token != null) {
      return sessions.containsValue(token);
    }
    String authz = req.getHeader("Authorization");
    if (authz == null || !authz.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String expected = Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
        authz.substring(6).trim().getBytes(StandardCharsets.UTF_8));
  }

  private static JsonObject parse(String text) {
    return new JsonObject(text);
  }

  /** The resource at {@code path} (loaded once from the tree), or null. */
  private JsonObject resource(String path) {
    return resources.computeIfAbsent(path, p -> {
      String rest = p.equals(ROOT) ? "" : p.substring(ROOT.length() + 1);
      Path file = tree.resolve(rest).resolve("index.json").normalize();
      if (!file.startsWith(tree) || rest.contains("..") || !Files.isRegularFile(file)) {
        return null;
      }
      try {
        return new JsonObject(Files.readString(file));
      } catch (IOException | RuntimeException e) {
        return null;
      }
    });
  }

  private void get(HttpServerRequest req, String path) {
    JsonObject r = resource(path);
    if (r == null) {
      error(req, 404, "Base.1.0.ResourceMissingAtURI", "no resource at " + path);
      return;
    }
    req.response().putHeader("ETag", etag(r));
    json(req, 200, r);
  }

  private static String etag(JsonObject r) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(r.encode().getBytes(StandardCharsets.UTF_8));
      return "\"" + HexFormat.of().formatHex(d, 0, 8) + "\"";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void login(HttpServerRequest req, String path, JsonObject in) {
    if (in == null || !username.equals(in.getString("UserName")) || !password.equals(in.getString("Password"))) {
      error(req, 401, "Base.1.0.NoValidSession", "wrong user name or password");
      return;
    }
    String id = Long.toHexString(random.nextLong() & Long.MAX_VALUE);
    byte[] t = new byte[24];
    random.nextBytes(t);
    String token = HexFormat.of().formatHex(t);
    sessions.put(path + "/" + id, token);
    req.response().putHeader("X-Auth-Token", token).putHeader("Location", path + "/" + id);
    json(req, 201, new JsonObject().put("@odata.id", path + "/" + id).put("Id", id).put("UserName", username));
  }

  private void logout(HttpServerRequest req, String path) {
    if (sessions.remove(path) == null) {
      error(req, 404, "Base.1.0.ResourceMissingAtURI", "no session at " + path);
      return;
    }
    req.response().setStatusCode(204).end();
  }

  private void reset(HttpServerRequest req, String systemPath, JsonObject in) {
    JsonObject system = resource(systemPath);
    if (system == null || !system.containsKey("PowerState")) {
      error(req, 404, "Base.1.0.ResourceMissingAtURI", "no system at " + systemPath);
      return;
    }
    String type = in == null ? null : in.getString("ResetType");
    List<String> allowed = allowedResetTypes(system);
    if (type == null || !allowed.contains(type)) {
      error(req, 400, "Base.1.0.ActionParameterValueNotInList", "ResetType " + type + " is not one of " + allowed);
      return;
    }
    synchronized (system) {
      String now = system.getString("PowerState");
      String next = switch (type) {
        case "ForceOff", "GracefulShutdown" -> "Off";
        case "PushPowerButton" -> "On".equals(now) ? "Off" : "On";
        case "Nmi" -> now;
        default -> "On";
      };
      system.put("PowerState", next);
    }
    req.response().setStatusCode(204).end();
  }

  /** The reset types {@code system} advertises: inline allowable values, else its ActionInfo's parameter. */
  List<String> allowedResetTypes(JsonObject system) {
    JsonObject action = system.getJsonObject("Actions", new JsonObject())
        .getJsonObject("#ComputerSystem.Reset", new JsonObject());
    JsonArray inline = action.getJsonArray("ResetType@Redfish.AllowableValues");
    if (inline != null) {
      return inline.stream().map(String::valueOf).toList();
    }
    String info = action.getString("@Redfish.ActionInfo");
    JsonObject ai = info == null ? null : resource(info.endsWith("/") ? info.substring(0, info.length() - 1) : info);
    if (ai != null) {
      for (Object p : ai.getJsonArray("Parameters", new JsonArray())) {
        JsonObject param = (JsonObject) p;
        if ("ResetType".equals(param.getString("Name"))) {
          return param.getJsonArray("AllowableValues", new JsonArray()).stream().map(String::valueOf).toList();
        }
      }
    }
    return List.of();
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(req.method().name().equals("HEAD") ? "" : body.encode());
  }

  private static void error(HttpServerRequest req, int status, String messageId, String message) {
    json(req, status, new JsonObject().put("error", new JsonObject().put("code", messageId).put("message", message)
        .put("@Message.ExtendedInfo", new JsonArray().add(new JsonObject().put("MessageId", messageId)
            .put("Message", message)))));
  }
}
