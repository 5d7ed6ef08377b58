package io.k0rdent.api.verticles.redfish;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake Redfish BMC (DMTF DSP0266) serving one captured resource tree of {@code shared/redfish-mockups}, for
 * tests and for {@code dev}: a Vert.x HTTP(S) server on loopback that keeps state, so a client's changes are read
 * back as a BMC would show them.
 *
 * <ul>
 *   <li><b>Layouts.</b> Short (the folder is {@code /redfish/v1}) and tall (the folder holds
 *       {@code redfish/v1/...}); {@code GET /redfish/v1/X/Y} reads {@code X/Y/index.json}, a trailing slash
 *       ignored, and every resource is loaded once, then kept (and changed) in memory. Paths are matched as
 *       captured (HPE mixes {@code Systems} and {@code systems}); nothing outside the tree is ever read.</li>
 *   <li><b>Authentication</b> (DSP0266 §13.3). The service root ({@code /redfish}, {@code /redfish/v1}) is open;
 *       everything else needs HTTP Basic with the configured user, or an {@code X-Auth-Token} from
 *       {@code POST .../SessionService/Sessions} ({@code {"UserName","Password"}} → 201, token header and
 *       {@code Location}); {@code DELETE} of the session's {@code Location} logs out. Otherwise 401.</li>
 *   <li><b>Power</b> (ComputerSystem schema, {@code ComputerSystem.Reset}). A {@code ResetType} the system
 *       allows (inline {@code ResetType@Redfish.AllowableValues}, else its {@code @Redfish.ActionInfo}'s
 *       {@code Parameters}) sets {@code PowerState} ({@code On}, {@code ForceOn}, the restarts and
 *       {@code PowerCycle} → {@code On}; {@code ForceOff}, {@code GracefulShutdown} → {@code Off};
 *       {@code PushPowerButton} toggles) and answers 204; an unknown or disallowed type is a 400 with a Redfish
 *       error body.</li>
 *   <li><b>Boot override.</b> {@code PATCH <system> {"Boot": {...}}} of {@code BootSourceOverrideTarget},
 *       {@code BootSourceOverrideEnabled} or {@code BootSourceOverrideMode}, each checked against its
 *       {@code @Redfish.AllowableValues} (400 {@code PropertyValueNotInList}); an {@code If-Match} other than the
 *       current ETag (or {@code *}) is a 412 (DSP0266 §9.5 / RFC 7232).</li>
 *   <li><b>Virtual media</b> (VirtualMedia schema). {@code POST <slot>/Actions/VirtualMedia.InsertMedia}
 *       {@code {"Image", "Inserted", "WriteProtected"}} on a slot advertising the action sets {@code Image},
 *       {@code Inserted} and adds an {@code EjectMedia} action when the slot had none (Supermicro shows it only
 *       while something is inserted); {@code VirtualMedia.EjectMedia} empties the slot. Both answer 204; a
 *       slot already holding media refuses InsertMedia with 409.</li>
 *   <li><b>ETags.</b> Every GET carries an {@code ETag} (and a captured {@code @odata.etag} is rewritten to it)
 *       that changes whenever the resource changes.</li>
 *   <li><b>Tasks</b> (DSP0266 §12.2). With a task quirk a reset answers 202 with a {@code Location} naming the
 *       Task, which serves as its task monitor: GET answers 202 with the Task while it runs (≈400 ms), then 200
 *       with the finished Task.</li>
 * </ul>
 * Quirks of real BMCs are switched on through {@link #quirks()}, one switch each, all off by default.
 */
public final class FakeBmc {

  /** How ETags are written, in the {@code ETag} header and {@code @odata.etag}. */
  public enum EtagFormat {
    /** {@code "abc"} (RFC 7232). */
    QUOTED,
    /** {@code abc}, as some BMCs write it. */
    BARE,
    /** {@code W/"abc"} (HPE iLO). */
    WEAK
  }

  /** How long a fake task runs before it ends. */
  static final long TASK_MILLIS = 400;

  private static final String ROOT = "/redfish/v1";
  private static final String RESET = "/Actions/ComputerSystem.Reset";
  private static final String INSERT = "/Actions/VirtualMedia.InsertMedia";
  private static final String EJECT = "/Actions/VirtualMedia.EjectMedia";
  private static final String SESSIONS = "/SessionService/Sessions";
  private static final String ACTION_INFO = "/ResetActionInfo";
  private static final List<String> ENABLED = List.of("Once", "Continuous", "Disabled");
  private static final Set<String> BOOT_PROPERTIES =
      Set.of("BootSourceOverrideTarget", "BootSourceOverrideEnabled", "BootSourceOverrideMode");

  private final Vertx vertx;
  private final Path tree;
  private final String username;
  private final String password;
  private final Map<String, JsonObject> resources = new ConcurrentHashMap<>();
  private final Map<String, String> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final Quirks quirks = new Quirks();
  private final AtomicInteger taskIds = new AtomicInteger();
  private final List<String> ifMatches = Collections.synchronizedList(new ArrayList<>());
  private final List<String> resets = Collections.synchronizedList(new ArrayList<>());
  private volatile long lastOffNanos;
  private volatile String certificateSha256;
  private volatile boolean tls;
  private HttpServer server;

  private FakeBmc(Vertx vertx, Path tree, String username, String password) {
    this.vertx = vertx;
    this.tree = tree;
    this.username = username;
    this.password = password;
  }

  /**
   * The quirks of real BMCs this fake can play, each off by default and switched by a thread-safe setter that
   * takes effect with the next request. Sources: the quirks listed in {@code shared/redfish-mockups/README.md} and
   * DSP0266 (§9.5 ETags, §12.2 tasks, §13.3 sessions).
   */
  public final class Quirks {
    private volatile Duration powerLag = Duration.ZERO;
    private volatile Duration onRefusedAfterOff = Duration.ZERO;
    private volatile boolean resetIgnored;
    private volatile boolean taskExceptionWithStatusOk;
    private volatile boolean resetTasks;
    private volatile boolean etagRequired;
    private volatile EtagFormat etagFormat = EtagFormat.QUOTED;
    private volatile boolean actionInfoOnly;
    private volatile boolean virtualMediaWithoutInsert;
    private volatile boolean sessionsUnsupported;
    private volatile int sessionLoginStatus;
    private volatile Duration slowResponses = Duration.ZERO;
    private final AtomicInteger transient5xx = new AtomicInteger();
    private final AtomicInteger etagsOmitted = new AtomicInteger();
    private final AtomicInteger concurrentChanges = new AtomicInteger();

    private Quirks() {}

    /** {@code PowerState} changes only {@code lag} after an accepted reset (zero: at once). */
    public Quirks powerLag(Duration lag) {
      this.powerLag = lag;
      return this;
    }

    /**
     * A reset to on ({@code On}, {@code ForceOn}, {@code PushPowerButton} while off) within {@code window} after
     * an accepted reset to off answers 409 with a Redfish error body (some BMCs refuse "On" for a while).
     */
    public Quirks onRefusedAfterOff(Duration window) {
      this.onRefusedAfterOff = window;
      return this;
    }

    /** Resets answer 204 but change nothing. */
    public Quirks resetIgnored(boolean on) {
      this.resetIgnored = on;
      return this;
    }

    /**
     * Resets answer 202 with a task monitor whose Task ends {@code TaskState: Exception} with
     * {@code TaskStatus: OK} and {@code Base.1.12.ActionNotSupported}, and nothing changes (as recorded on the
     * DGX H100).
     */
    public Quirks taskExceptionWithStatusOk(boolean on) {
      this.taskExceptionWithStatusOk = on;
      return this;
    }

    /** Resets answer 202 with a task monitor whose Task ends {@code Completed}; the change applies then. */
    public Quirks resetTasks(boolean on) {
      this.resetTasks = on;
      return this;
    }

    /** A PATCH without {@code If-Match} answers 428 (Precondition Required). */
    public Quirks etagRequired(boolean on) {
      this.etagRequired = on;
      return this;
    }

    /** How ETags are written; an {@code If-Match} must match exactly the form served. */
    public Quirks etagFormat(EtagFormat format) {
      this.etagFormat = format;
      return this;
    }

    /**
     * Inline {@code ResetType@Redfish.AllowableValues} are hidden; the reset action names only a
     * {@code @Redfish.ActionInfo} ({@code <system>/ResetActionInfo}, served from the inline values when the
     * capture has none).
     */
    public Quirks actionInfoOnly(boolean on) {
      this.actionInfoOnly = on;
      return this;
    }

    /**
     * The first CD-capable slot (MediaTypes CD or DVD) of each VirtualMedia collection that advertises
     * {@code #VirtualMedia.InsertMedia} shows no such action and refuses it (405).
     */
    public Quirks virtualMediaWithoutInsert(boolean on) {
      this.virtualMediaWithoutInsert = on;
      return this;
    }

    /** The next {@code n} requests (of any kind, from now) answer 503 with a Redfish error body. */
    public Quirks transient5xx(int n) {
      transient5xx.set(n);
      return this;
    }

    /** Every answer is delayed by {@code delay} (to exceed a client's request timeout). */
    public Quirks slowResponses(Duration delay) {
      this.slowResponses = delay;
      return this;
    }

    /**
     * The service has no sessions: the service root names no {@code SessionService} nor {@code Links.Sessions},
     * and a POST to the sessions collection answers 405 (only HTTP Basic works).
     */
    public Quirks sessionsUnsupported(boolean on) {
      this.sessionsUnsupported = on;
      return this;
    }

    /**
     * A login ({@code POST} to the sessions collection) answers {@code status} (e.g. 404, 405, 501) with a Redfish
     * error body while the service root still names the collection; 0 turns it off.
     */
    public Quirks sessionLoginStatus(int status) {
      this.sessionLoginStatus = status;
      return this;
    }

    /** The next {@code n} GETs carry no ETag (no header, no {@code @odata.etag}). */
    public Quirks etagsOmitted(int n) {
      etagsOmitted.set(n);
      return this;
    }

    /**
     * The next {@code n} PATCHes find their resource changed by another client just before (its {@code AssetTag}
     * changes, and so its ETag): an If-Match read earlier is stale and answered 412.
     */
    public Quirks concurrentChangeBeforePatch(int n) {
      concurrentChanges.set(n);
      return this;
    }

    /** Forgets all sessions: the next call with a token gets 401. */
    public Quirks expireSessions() {
      sessions.clear();
      return this;
    }
  }

  /**
   * Starts a fake BMC serving {@code mockup} (a folder of {@code shared/redfish-mockups}) over HTTP on
   * 127.0.0.1:{@code port} (0: a free port), accepting {@code username}/{@code password}.
   *
   * @return fails with IllegalArgumentException when the folder holds no Redfish service root
   */
  public static Future<FakeBmc> start(Vertx vertx, Path mockup, int port, String username, String password) {
    return start(vertx, mockup, port, username, password, null);
  }

  /**
   * As {@link #start}, over HTTPS with a self-signed certificate (EC P-256 or RSA, CN 127.0.0.1) generated at
   * start: Vert.x {@link SelfSignedCertificate}, else {@code keytool} of the running JDK in a temporary folder.
   * {@link #certificateSha256()} gives its fingerprint.
   */
  public static Future<FakeBmc> startTls(Vertx vertx, Path mockup, int port, String username, String password) {
    return vertx.executeBlocking(FakeBmc::selfSigned, false)
        .compose(cert -> start(vertx, mockup, port, username, password, cert));
  }

  private static Future<FakeBmc> start(Vertx vertx, Path mockup, int port, String username, String password,
                                       Cert cert) {
    Path tall = mockup.resolve("redfish").resolve("v1");
    Path tree = Files.isRegularFile(tall.resolve("index.json")) ? tall : mockup;
    if (!Files.isRegularFile(tree.resolve("index.json"))) {
      return Future.failedFuture(new IllegalArgumentException(mockup + " holds no Redfish service root"));
    }
    FakeBmc bmc = new FakeBmc(vertx, tree.toAbsolutePath().normalize(), username, password);
    HttpServerOptions options = new HttpServerOptions();
    if (cert != null) {
      options.setSsl(true).setKeyCertOptions(cert.options());
      bmc.tls = true;
      bmc.certificateSha256 = cert.sha256();
    }
    return vertx.createHttpServer(options).requestHandler(bmc::handle).listen(port, "127.0.0.1").map(s -> {
      bmc.server = s;
      if (cert != null && cert.cleanup() != null) {
        cert.cleanup().run();
      }
      return bmc;
    });
  }

  /** The quirks switched on this BMC (all off at start). */
  public Quirks quirks() {
    return quirks;
  }

  /** Forgets all sessions: the next call with a token gets 401 (same as {@code quirks().expireSessions()}). */
  public void expireSessions() {
    quirks.expireSessions();
  }

  /** How many sessions are open now. */
  public int sessionCount() {
    return sessions.size();
  }

  /** The {@code If-Match} of every PATCH received, in order ({@code ""} when a PATCH had none). */
  public List<String> ifMatchesReceived() {
    synchronized (ifMatches) {
      return List.copyOf(ifMatches);
    }
  }

  /** The {@code ResetType} of every reset request received (accepted or not), in order. */
  public List<String> resetsReceived() {
    synchronized (resets) {
      return List.copyOf(resets);
    }
  }

  /** The current ETag of the resource at {@code path} as this BMC would serve it now, or null. */
  public String etagOf(String path) {
    JsonObject r = resource(trim(path));
    return r == null ? null : etag(r);
  }

  /** Lowercase hex SHA-256 of the DER of the certificate served ({@link #startTls}), null over plain HTTP. */
  public String certificateSha256() {
    return certificateSha256;
  }

  /** The port it listens on. */
  public int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:<port>}, or {@code https://...} when started with {@link #startTls}. */
  public String address() {
    return (tls ? "https" : "http") + "://127.0.0.1:" + port();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest req) {
    req.body().onComplete(body -> {
      long slow = quirks.slowResponses.toMillis();
      if (slow > 0) {
        vertx.setTimer(slow, t -> process(req, body.succeeded() ? body.result().toString() : ""));
      } else {
        process(req, body.succeeded() ? body.result().toString() : "");
      }
    });
  }

  private void process(HttpServerRequest req, String body) {
    try {
      if (quirks.transient5xx.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        error(req, 503, "Base.1.0.ServiceTemporarilyUnavailable", "the service is temporarily unavailable");
        return;
      }
      String path = trim(req.path());
      if (path.equals("/redfish")) {
        json(req, 200, new JsonObject().put("v1", ROOT + "/"));
        return;
      }
      if (!path.equals(ROOT) && !path.startsWith(ROOT + "/")) {
        error(req, 404, "Base.1.0.ResourceMissingAtURI", "no resource at " + path);
        return;
      }
      String method = req.method().name();
      boolean sessionLogin = method.equals("POST") && path.endsWith(SESSIONS);
      if (sessionLogin && quirks.sessionsUnsupported) {
        error(req, 405, "Base.1.0.OperationNotAllowed", "sessions are not supported by this service");
        return;
      }
      if (sessionLogin && quirks.sessionLoginStatus > 0) {
        error(req, quirks.sessionLoginStatus, "Base.1.0.OperationNotAllowed", "sessions are not available");
        return;
      }
      if (!path.equals(ROOT) && !sessionLogin && !authenticated(req)) {
        req.response().putHeader("WWW-Authenticate", "Basic realm=\"fake BMC\"");
        error(req, 401, "Base.1.0.NoValidSession", "authentication required");
        return;
      }
      JsonObject in = body.isBlank() ? null : new JsonObject(body);
      switch (method) {
        case "GET", "HEAD" -> get(req, path);
        case "POST" -> {
          if (sessionLogin) {
            login(req, path, in);
          } else if (path.endsWith(RESET)) {
            reset(req, path.substring(0, path.length() - RESET.length()), in);
          } else if (path.endsWith(INSERT)) {
            insertMedia(req, path.substring(0, path.length() - INSERT.length()), in);
          } else if (path.endsWith(EJECT)) {
            ejectMedia(req, path.substring(0, path.length() - EJECT.length()));
          } else {
            error(req, 405, "Base.1.0.ActionNotSupported", "POST is not supported at " + path);
          }
        }
        case "PATCH" -> patch(req, path, in);
        case "DELETE" -> logout(req, path);
        default -> error(req, 405, "Base.1.0.OperationNotAllowed", method + " is not supported here");
      }
    } catch (RuntimeException e) {
      error(req, 400, "Base.1.0.MalformedJSON", String.valueOf(e.getMessage()));
    }
  }

  private static String trim(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
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

  /** The resource at {@code path} (loaded once from the tree, or made here: tasks), or null. */
  private JsonObject resource(String path) {
    return resources.computeIfAbsent(path, p -> {
      if (!p.equals(ROOT) && !p.startsWith(ROOT + "/")) {
        return null;
      }
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
    if (r == null && quirks.actionInfoOnly && path.endsWith(ACTION_INFO)) {
      r = synthesizedActionInfo(path);
    }
    if (r == null) {
      error(req, 404, "Base.1.0.ResourceMissingAtURI", "no resource at " + path);
      return;
    }
    JsonObject view;
    String etag;
    synchronized (r) {
      view = view(path, r);
      etag = etag(r);
    }
    boolean omit = quirks.etagsOmitted.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    if (omit) {
      view.remove("@odata.etag");
    } else {
      if (view.containsKey("@odata.etag")) {
        view.put("@odata.etag", etag);
      }
      req.response().putHeader("ETag", etag);
    }
    boolean running = view.getString("@odata.type", "").startsWith("#Task.")
        && "Running".equals(view.getString("TaskState"));
    if (running) {
      req.response().putHeader("Retry-After", "1");
    }
    json(req, running ? 202 : 200, view);
  }

  /** What a GET shows of resource {@code r} at {@code path}, the quirks applied (a copy). */
  private JsonObject view(String path, JsonObject r) {
    JsonObject v = r.copy();
    if (path.equals(ROOT) && quirks.sessionsUnsupported) {
      v.remove("SessionService");
      if (v.getValue("Links") instanceof JsonObject links) {
        links.remove("Sessions");
      }
    }
    if (quirks.actionInfoOnly && v.getValue("Actions") instanceof JsonObject actions
        && actions.getValue("#ComputerSystem.Reset") instanceof JsonObject reset
        && reset.containsKey("ResetType@Redfish.AllowableValues")) {
      reset.remove("ResetType@Redfish.AllowableValues");
      if (!reset.containsKey("@Redfish.ActionInfo")) {
        reset.put("@Redfish.ActionInfo", path + ACTION_INFO);
      }
    }
    if (insertHidden(path)) {
      v.getJsonObject("Actions").remove("#VirtualMedia.InsertMedia");
    }
    return v;
  }

  /** A ResetActionInfo for a system whose capture has inline reset types only ({@code actionInfoOnly}). */
  private JsonObject synthesizedActionInfo(String path) {
    JsonObject system = resource(path.substring(0, path.length() - ACTION_INFO.length()));
    if (system == null || !system.containsKey("PowerState")) {
      return null;
    }
    return new JsonObject().put("@odata.id", path).put("@odata.type", "#ActionInfo.v1_1_2.ActionInfo")
        .put("Id", "ResetActionInfo").put("Name", "Reset Action Info")
        .put("Parameters", new JsonArray().add(new JsonObject().put("Name", "ResetType").put("Required", true)
            .put("DataType", "String").put("AllowableValues", new JsonArray(allowedResetTypes(system)))));
  }

  private String etag(JsonObject r) {
    String hash;
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(r.encode().getBytes(StandardCharsets.UTF_8));
      hash = HexFormat.of().formatHex(d, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return switch (quirks.etagFormat) {
      case QUOTED -> "\"" + hash + "\"";
      case BARE -> hash;
      case WEAK -> "W/\"" + hash + "\"";
    };
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
    resets.add(String.valueOf(type));
    List<String> allowed = allowedResetTypes(system);
    if (type == null || !allowed.contains(type)) {
      error(req, 400, "Base.1.0.ActionParameterValueNotInList", "ResetType " + type + " is not one of " + allowed);
      return;
    }
    String now;
    synchronized (system) {
      now = system.getString("PowerState");
    }
    String next = switch (type) {
      case "ForceOff", "GracefulShutdown" -> "Off";
      case "PushPowerButton" -> "On".equals(now) ? "Off" : "On";
      case "Nmi" -> now;
      default -> "On";
    };
    long window = quirks.onRefusedAfterOff.toNanos();
    boolean toOn = "On".equals(next) && (type.equals("On") || type.equals("ForceOn") || type.equals("PushPowerButton"));
    if (toOn && window > 0 && lastOffNanos != 0 && System.nanoTime() - lastOffNanos < window) {
      error(req, 409, "Base.1.0.ResourceInUse", "The system is still powering off; try " + type + " again later");
      return;
    }
    if (quirks.resetIgnored) {
      req.response().setStatusCode(204).end();
      return;
    }
    if (quirks.taskExceptionWithStatusOk) {
      task(req, false, () -> { });
      return;
    }
    if ("Off".equals(next)) {
      lastOffNanos = System.nanoTime();
    }
    Runnable apply = () -> {
      long lag = quirks.powerLag.toMillis();
      if (lag > 0) {
        vertx.setTimer(lag, t -> setPower(system, next));
      } else {
        setPower(system, next);
      }
    };
    if (quirks.resetTasks) {
      task(req, true, apply);
      return;
    }
    apply.run();
    req.response().setStatusCode(204).end();
  }

  private static void setPower(JsonObject system, String state) {
    synchronized (system) {
      system.put("PowerState", state);
    }
  }

  /** Answers 202 with a Task that ends after {@link #TASK_MILLIS}: Completed (running {@code effect}) or not. */
  private void task(HttpServerRequest req, boolean completes, Runnable effect) {
    String path = ROOT + "/TaskService/Tasks/fake-" + taskIds.incrementAndGet();
    JsonObject task = new JsonObject().put("@odata.id", path).put("@odata.type", "#Task.v1_4_3.Task")
        .put("Id", path.substring(path.lastIndexOf('/') + 1)).put("Name", "Task for ComputerSystem.Reset")
        .put("TaskState", "Running").put("TaskStatus", "OK").put("PercentComplete", 0)
        .put("Messages", new JsonArray());
    resources.put(path, task);
    vertx.setTimer(TASK_MILLIS, t -> {
      if (completes) {
        effect.run();
      }
      synchronized (task) {
        task.put("PercentComplete", 100).put("TaskStatus", "OK");
        if (completes) {
          task.put("TaskState", "Completed");
        } else {
          task.put("TaskState", "Exception").put("Messages", new JsonArray().add(new JsonObject()
              .put("MessageId", "Base.1.12.ActionNotSupported")
              .put("Message", "The action ComputerSystem.Reset is not supported by the resource: IPMI command "
                  + "returned success but power state of chassis did not change.")));
        }
      }
    });
    req.response().putHeader("Location", path).putHeader("Retry-After", "1");
    JsonObject body;
    synchronized (task) {
      body = task.copy();
    }
    json(req, 202, body);
  }

  private void patch(HttpServerRequest req, String path, JsonObject in) {
    JsonObject r = resource(path);
    if (r == null) {
      error(req, 404, "Base.1.0.ResourceMissingAtURI", "no resource at " + path);
      return;
    }
    if (!r.containsKey("Boot")) {
      error(req, 405, "Base.1.0.OperationNotAllowed", "PATCH is not supported at " + path);
      return;
    }
    String ifMatch = req.getHeader("If-Match");
    ifMatches.add(ifMatch == null ? "" : ifMatch);
    if (ifMatch == null && quirks.etagRequired) {
      error(req, 428, "Base.1.0.PreconditionRequired", "a PATCH of " + path + " needs If-Match with its ETag");
      return;
    }
    synchronized (r) {
      if (quirks.concurrentChanges.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        r.put("AssetTag", "changed-by-another-client-" + random.nextInt(1_000_000));
      }
      if (ifMatch != null && !ifMatch.equals("*") && !ifMatch.equals(etag(r))) {
        error(req, 412, "Base.1.0.PreconditionFailed", "If-Match " + ifMatch + " is not the current ETag");
        return;
      }
      if (in == null || in.size() != 1 || !(in.getValue("Boot") instanceof JsonObject boot)) {
        error(req, 400, "Base.1.0.PropertyUnknown", "only Boot can be changed here");
        return;
      }
      JsonObject current = r.getJsonObject("Boot");
      for (String name : boot.fieldNames()) {
        if (!BOOT_PROPERTIES.contains(name) || !(boot.getValue(name) instanceof String value)) {
          error(req, 400, "Base.1.0.PropertyUnknown", "Boot." + name + " cannot be changed here");
          return;
        }
        JsonArray advertised = current.getJsonArray(name + "@Redfish.AllowableValues");
        List<?> allowed = advertised != null ? advertised.getList()
            : name.equals("BootSourceOverrideEnabled") ? ENABLED : null;
        if (allowed != null && !allowed.contains(value)) {
          error(req, 400, "Base.1.0.PropertyValueNotInList", "Boot." + name + " " + value + " is not one of " + allowed);
          return;
        }
      }
      boot.forEach(e -> current.put(e.getKey(), e.getValue()));
    }
    req.response().setStatusCode(204).end();
  }

  private void insertMedia(HttpServerRequest req, String slotPath, JsonObject in) {
    JsonObject slot = resource(slotPath);
    if (slot == null || !slot.containsKey("MediaTypes")) {
      error(req, 404, "Base.1.0.ResourceMissingAtURI", "no virtual media at " + slotPath);
      return;
    }
    synchronized (slot) {
      if (!(view(slotPath, slot).getValue("Actions") instanceof JsonObject actions)
          || !actions.containsKey("#VirtualMedia.InsertMedia")) {
        error(req, 405, "Base.1.0.ActionNotSupported", "InsertMedia is not supported by " + slotPath);
        return;
      }
      String image = in == null ? null : in.getString("Image");
      if (image == null || image.isBlank()) {
        error(req, 400, "Base.1.0.ActionParameterMissing", "InsertMedia needs Image");
        return;
      }
      if (Boolean.TRUE.equals(slot.getBoolean("Inserted"))) {
        error(req, 409, "Base.1.0.ResourceInUse", slotPath + " already holds " + slot.getString("Image")
            + "; eject it first");
        return;
      }
      slot.put("Image", image).put("ImageName", image.substring(image.lastIndexOf('/') + 1))
          .put("Inserted", in.getBoolean("Inserted", true))
          .put("WriteProtected", in.getBoolean("WriteProtected", true)).put("ConnectedVia", "URI");
      if (!actions.containsKey("#VirtualMedia.EjectMedia")) {
        slot.getJsonObject("Actions").put("#VirtualMedia.EjectMedia",
            new JsonObject().put("target", slotPath + EJECT));
      }
    }
    req.response().setStatusCode(204).end();
  }

  private void ejectMedia(HttpServerRequest req, String slotPath) {
    JsonObject slot = resource(slotPath);
    if (slot == null || !slot.containsKey("MediaTypes")) {
      error(req, 404, "Base.1.0.ResourceMissingAtURI", "no virtual media at " + slotPath);
      return;
    }
    synchronized (slot) {
      if (!(slot.getValue("Actions") instanceof JsonObject actions) || !actions.containsKey("#VirtualMedia.EjectMedia")) {
        error(req, 405, "Base.1.0.ActionNotSupported", "EjectMedia is not supported by " + slotPath);
        return;
      }
      slot.putNull("Image").putNull("ImageName").put("Inserted", false).put("ConnectedVia", "NotConnected");
    }
    req.response().setStatusCode(204).end();
  }

  /** Whether {@code virtualMediaWithoutInsert} hides InsertMedia on {@code path}: its collection's first CD slot. */
  private boolean insertHidden(String path) {
    if (!quirks.virtualMediaWithoutInsert || path.lastIndexOf('/') <= 0) {
      return false;
    }
    JsonObject self = resource(path);
    if (self == null || !isCdWithInsert(self)) {
      return false;
    }
    JsonObject collection = resource(path.substring(0, path.lastIndexOf('/')));
    if (collection == null || !(collection.getValue("Members") instanceof JsonArray members)) {
      return false;
    }
    for (Object m : members) {
      String id = m instanceof JsonObject link && link.getValue("@odata.id") instanceof String s ? trim(s) : null;
      JsonObject slot = id == null ? null : resource(id);
      if (slot != null && isCdWithInsert(slot)) {
        return id.equals(path);
      }
    }
    return false;
  }

  private static boolean isCdWithInsert(JsonObject slot) {
    return slot.getValue("MediaTypes") instanceof JsonArray types && (types.contains("CD") || types.contains("DVD"))
        && slot.getValue("Actions") instanceof JsonObject actions && actions.containsKey("#VirtualMedia.InsertMedia");
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
    JsonObject ai = info == null ? null : resource(trim(info));
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
    try {
      req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(req.method().name().equals("HEAD") ? "" : body.encode());
    } catch (IllegalStateException e) {
      // the client went away (gave up on a slow answer)
    }
  }

  private static void error(HttpServerRequest req, int status, String messageId, String message) {
    json(req, status, new JsonObject().put("error", new JsonObject().put("code", messageId).put("message", message)
        .put("@Message.ExtendedInfo", new JsonArray().add(new JsonObject().put("MessageId", messageId)
            .put("Message", message)))));
  }

  /** A server certificate: key and certificate options, the certificate's fingerprint, files to remove after. */
  private record Cert(KeyCertOptions options, String sha256, Runnable cleanup) {}

  private static Cert selfSigned() throws Exception {
    try {
      SelfSignedCertificate s = SelfSignedCertificate.create("127.0.0.1");
      try (InputStream pem = Files.newInputStream(Path.of(s.certificatePath()))) {
        Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(pem);
        return new Cert(s.keyCertOptions(), sha256(c), s::delete);
      }
    } catch (RuntimeException | LinkageError e) {
      return keytool();
    }
  }

  /** A self-signed certificate made by the running JDK's {@code keytool} (a PKCS#12 store in a temp folder). */
  private static Cert keytool() throws Exception {
    Path dir = Files.createTempDirectory("fake-bmc-tls");
    Path store = dir.resolve("bmc.p12");
    String pass = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "bmc", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
        "-ext", "san=ip:127.0.0.1", "-validity", "30", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", pass, "-keypass", pass).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, pass.toCharArray());
    }
    Certificate c = ks.getCertificate("bmc");
    return new Cert(new PfxOptions().setPath(store.toString()).setPassword(pass), sha256(c), () -> {
      try {
        Files.deleteIfExists(store);
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        // a temp file left behind
      }
    });
  }

  private static String sha256(Certificate c) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
  }
}
