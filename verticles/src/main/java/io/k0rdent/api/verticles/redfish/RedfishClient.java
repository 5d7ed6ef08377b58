package io.k0rdent.api.verticles.redfish;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;

/**
 * A Redfish client (DMTF DSP0266) for one BMC over Vert.x {@link WebClient}, never blocking: reading resources,
 * sessions, power, boot override, virtual media and tasks, as a server lifecycle needs them.
 *
 * <ul>
 *   <li><b>Links</b> ({@code @odata.id}, {@code target}, {@code Location}) are followed as opaque strings exactly as
 *       the BMC wrote them; the only URI built here is the service root {@code /redfish/v1}.</li>
 *   <li><b>Authentication</b> (DSP0266 §13.3). HTTP Basic until {@link #login()}; then the session's
 *       {@code X-Auth-Token}, or Basic still when the service has no sessions. A 401 with a token logs in once
 *       again and repeats the call.</li>
 *   <li><b>Retries.</b> A transient failure (5xx other than 501, connection error, no whole answer within
 *       {@code requestTimeout}) is retried {@code retries} times, {@code retryBackoff} doubling; 4xx are not.</li>
 *   <li><b>Tasks</b> (DSP0266 §12.2). A 202 naming a task monitor ({@code Location}, else the body's
 *       {@code TaskMonitor}, else the {@code @odata.id} of a Task body) is polled until it answers the final
 *       resource or its Task's {@code TaskState} is final; {@code Exception}, {@code Killed} or {@code Cancelled}
 *       fail as {@link RedfishException.Kind#TASK_FAILED} even with {@code TaskStatus OK} (DGX H100).
 *       {@code Retry-After} is respected up to four poll intervals.</li>
 *   <li><b>TLS.</b> A pinned certificate ({@link BmcEndpoint#certificateSha256()}): exactly that leaf is accepted,
 *       hostname not checked; {@code insecure}: any certificate; otherwise the JVM's default trust with hostname
 *       verification.</li>
 *   <li><b>Call log.</b> One short line per BMC call, retry and poll, e.g.
 *       {@code POST /redfish/v1/Systems/1/Actions/ComputerSystem.Reset {"ResetType":"ForceOff"} -> 204 (4 ms)};
 *       never a password nor a token.</li>
 * </ul>
 *
 * <p>Every failure is a {@link RedfishException} whose message is a sentence an operator can act on.
 */
public final class RedfishClient {

  /** A BMC call that did not succeed, and why; the message never contains the password. */
  public static final class RedfishException extends RuntimeException {

    /** What kind of failure. */
    public enum Kind {
      /** 5xx, timeout, connection refused: worth trying again later (already retried). */
      TRANSIENT,
      /** 4xx (other than the 401/412/428 handled here), bad data, missing capability, untrusted certificate. */
      PERMANENT,
      /** A state (power, media, task) never matched within its timeout. */
      TIMEOUT,
      /** A task ended Exception, Killed or Cancelled. */
      TASK_FAILED
    }

    private final Kind kind;

    /** A {@link Kind#PERMANENT} failure. */
    public RedfishException(String message) {
      this(Kind.PERMANENT, message);
    }

    public RedfishException(Kind kind, String message) {
      super(message);
      this.kind = kind;
    }

    public Kind kind() {
      return kind;
    }
  }

  private static final String ROOT = "/redfish/v1";
  private static final List<String> ON_TYPES = List.of("On", "ForceOn", "PushPowerButton");
  private static final List<String> OFF_TYPES = List.of("ForceOff", "GracefulShutdown", "PushPowerButton");
  private static final List<String> RESTART_TYPES = List.of("ForceRestart", "GracefulRestart", "PowerCycle");
  private static final List<String> ENABLED = List.of("Once", "Continuous", "Disabled");
  private static final Set<String> TASK_FAILED = Set.of("Exception", "Killed", "Cancelled");

  /** One HTTP answer: status, headers, body (JSON when it parses, else null). */
  private record Reply(int status, MultiMap headers, JsonObject json) {
    String header(String name) {
      return headers.get(name);
    }
  }

  /** A virtual-media slot: its link as served, and its body. */
  private record Slot(String odataId, JsonObject body) {}

  private final Vertx vertx;
  private final BmcEndpoint endpoint;
  private final RedfishOptions options;
  private final Consumer<String> callLog;
  private final WebClient web;
  private final PinnedTrustManager pinned;
  private final Map<String, String> etags = new ConcurrentHashMap<>();
  private volatile String token;
  private volatile String sessionLocation;
  private volatile String sessionsLink;
  private volatile Future<Void> relogin;

  private RedfishClient(Vertx vertx, BmcEndpoint endpoint, RedfishOptions options, Consumer<String> callLog) {
    this.vertx = vertx;
    this.endpoint = endpoint;
    this.options = options;
    this.callLog = callLog == null ? line -> { } : callLog;
    URI uri = URI.create(endpoint.address());
    boolean https = "https".equalsIgnoreCase(uri.getScheme());
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
        : uri.getHost();
    WebClientOptions o = new WebClientOptions().setDefaultHost(host)
        .setDefaultPort(uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.requestTimeout().toMillis()))
        .setFollowRedirects(false).setUserAgent("k0rdent-redfish");
    this.pinned = https && !endpoint.insecure() && endpoint.certificateSha256() != null
        ? new PinnedTrustManager(endpoint.certificateSha256()) : null;
    if (https) {
      o.setSsl(true);
      if (endpoint.insecure()) {
        o.setTrustAll(true).setVerifyHost(false);
      } else if (pinned != null) {
        o.setTrustOptions(TrustOptions.wrap(pinned)).setVerifyHost(false);
      } else {
        o.setVerifyHost(true);
      }
    }
    this.web = WebClient.create(vertx, o);
  }

  /**
   * A client for {@code endpoint}; nothing is sent until the first call. HTTP Basic until {@link #login()}.
   *
   * @param callLog receives one line per BMC call, retry and poll (may be null)
   */
  public static RedfishClient create(Vertx vertx, BmcEndpoint endpoint, RedfishOptions options,
                                     Consumer<String> callLog) {
    return new RedfishClient(vertx, endpoint, options, callLog);
  }

  // ---------------------------------------------------------------------------------------------- sessions

  /**
   * Opens a session (DSP0266 §13.3.4): {@code POST} of {@code {"UserName","Password"}} to the service root's
   * {@code Links.Sessions} (else its SessionService's {@code Sessions}), keeping the {@code X-Auth-Token} and the
   * session's {@code Location}. When the service has no SessionService, or the login answers 404, 405 or 501,
   * every call uses HTTP Basic instead (and this succeeds). Already logged in: nothing sent.
   *
   * @return fails PERMANENT when the BMC refuses the credentials (401/403) or has no service root; TRANSIENT when
   *     it cannot be reached
   */
  public Future<Void> login() {
    if (token != null) {
      return Future.succeededFuture();
    }
    return exchange(HttpMethod.GET, ROOT, null, null, false, null).compose(r -> {
      if (r.status() == 401 || r.status() == 403) {
        return Future.failedFuture(refused("GET " + ROOT, r.status()));
      }
      if (r.status() / 100 != 2 || r.json() == null) {
        return Future.failedFuture(failure("GET", ROOT, r));
      }
      JsonObject root = r.json();
      String sessions = link(obj(root, "Links"), "Sessions");
      if (sessions != null) {
        return Future.succeededFuture(sessions);
      }
      String service = link(root, "SessionService");
      if (service == null) {
        return Future.succeededFuture((String) null);
      }
      return get(service).map(s -> s == null ? null : link(s, "Sessions"));
    }).compose(sessions -> {
      if (sessions == null) {
        log("no SessionService at " + endpoint.address() + ": HTTP Basic for every call");
        return Future.succeededFuture();
      }
      sessionsLink = sessions;
      return createSession();
    });
  }

  private Future<Void> createSession() {
    String link = sessionsLink;
    JsonObject credentials = new JsonObject().put("UserName", endpoint.username())
        .put("Password", endpoint.password());
    return exchange(HttpMethod.POST, link, credentials, null, false, "{\"UserName\":…,\"Password\":…}").compose(r -> {
      if (r.status() == 404 || r.status() == 405 || r.status() == 501) {
        token = null;
        log("login answered " + r.status() + ": HTTP Basic for every call");
        return Future.succeededFuture();
      }
      if (r.status() == 401 || r.status() == 403) {
        return Future.failedFuture(refused("login at " + link, r.status()));
      }
      String t = r.header("X-Auth-Token");
      if (r.status() / 100 != 2 || t == null || t.isBlank()) {
        return r.status() / 100 == 2
            ? Future.failedFuture(new RedfishException(RedfishException.Kind.PERMANENT, "login at " + link + " on "
            + endpoint.address() + " answered " + r.status() + " without an X-Auth-Token; the BMC's session "
            + "service does not work as DSP0266 says"))
            : Future.failedFuture(failure("POST", link, r));
      }
      String location = pathOf(r.header("Location"));
      if (location == null && r.json() != null) {
        location = r.json().getString("@odata.id");
      }
      token = t;
      sessionLocation = location;
      log("session opened" + (location == null ? "" : " at " + location));
      return Future.succeededFuture();
    });
  }

  /** Logs in again after a 401 with token {@code used}, once for all calls that saw it. */
  private synchronized Future<Void> relogin(String used) {
    if (token != null && !token.equals(used)) {
      return Future.succeededFuture();
    }
    Future<Void> running = relogin;
    if (running != null && !running.isComplete()) {
      return running;
    }
    log("401 with a session token: logging in again");
    relogin = createSession();
    return relogin;
  }

  /**
   * Ends the session: {@code DELETE} of its {@code Location} (if any), then closes the WebClient. Never fails; a
   * failed logout is logged.
   */
  public Future<Void> logout() {
    String location = sessionLocation;
    Future<Void> delete = location == null || token == null ? Future.succeededFuture()
        : sendOnce(HttpMethod.DELETE, location, null, null, true, null).compose(r -> {
          if (r.status() / 100 != 2) {
            log("logout: DELETE " + location + " answered " + r.status() + "; the session will expire on the BMC");
          }
          return Future.<Void>succeededFuture();
        });
    return delete.recover(e -> {
      log("logout failed: " + e.getMessage() + "; the session will expire on the BMC");
      return Future.succeededFuture();
    }).eventually(() -> {
      token = null;
      sessionLocation = null;
      web.close();
      return Future.succeededFuture();
    });
  }

  /** Closes the WebClient without logging out. */
  public void close() {
    web.close();
  }

  // ---------------------------------------------------------------------------------------------- reading

  /**
   * The resource at {@code odataId} (a link as served), or null when the BMC answers 404 (a link to a resource it
   * left out). Its ETag ({@code ETag} header, else {@code @odata.etag}) is kept for a later PATCH.
   *
   * @return fails PERMANENT on another 4xx or a body that is not JSON, TRANSIENT on 5xx/timeouts after retries
   */
  public Future<JsonObject> get(String odataId) {
    return read(odataId).map(r -> r == null ? null : r.json());
  }

  private Future<Reply> read(String odataId) {
    return call(HttpMethod.GET, odataId, null, null).compose(r -> {
      if (r.status() == 404) {
        return Future.succeededFuture(null);
      }
      if (r.status() / 100 != 2) {
        return Future.failedFuture(failure("GET", odataId, r));
      }
      if (r.json() == null) {
        return Future.failedFuture(new RedfishException(RedfishException.Kind.PERMANENT, "GET " + odataId + " on "
            + endpoint.address() + " answered " + r.status() + " without a JSON object; is this a Redfish service?"));
      }
      String etag = r.header("ETag");
      if (etag == null && r.json().getValue("@odata.etag") instanceof String e) {
        etag = e;
      }
      if (etag != null) {
        etags.put(odataId, etag);
      } else {
        etags.remove(odataId);
      }
      return Future.succeededFuture(r);
    });
  }

  /** The resource a link object ({@code {"@odata.id": ...}}) names; null for a null link or a 404. */
  public Future<JsonObject> follow(JsonObject link) {
    String id = link == null ? null : link.getString("@odata.id");
    return id == null ? Future.succeededFuture(null) : get(id);
  }

  /** The members of the collection {@code link} names, those the BMC serves (404s left out), in order. */
  public Future<List<JsonObject>> members(JsonObject link) {
    return follow(link).compose(coll -> {
      if (coll == null) {
        return Future.succeededFuture(List.of());
      }
      return followAll(coll.getJsonArray("Members", new JsonArray()));
    });
  }

  /** The resources an array of link objects names, those the BMC serves (404s left out), in order. */
  public Future<List<JsonObject>> followAll(JsonArray links) {
    List<Future<JsonObject>> each = new ArrayList<>();
    for (Object m : links) {
      each.add(m instanceof JsonObject link ? follow(link) : Future.succeededFuture(null));
    }
    return Future.all(each).map(all -> {
      List<JsonObject> out = new ArrayList<>();
      for (int i = 0; i < each.size(); i++) {
        if (all.resultAt(i) != null) {
          out.add(all.resultAt(i));
        }
      }
      return out;
    });
  }

  /** The hardware of this BMC's server ({@link HardwareInspection#inspect}). */
  public Future<HardwareInspection.HardwareSpecs> inspect() {
    return HardwareInspection.inspect(this);
  }

  // ---------------------------------------------------------------------------------------------- the system

  /**
   * The system to drive: the first member of the service root's {@code Systems} advertising
   * {@code #ComputerSystem.Reset} and {@code Boot} (else the first advertising the reset), with its reset types
   * (inline, else from its {@code @Redfish.ActionInfo}) and boot override allowable values.
   *
   * @return fails PERMANENT when no system advertises a reset
   */
  public Future<HostSystem> hostSystem() {
    return get(ROOT).compose(root -> {
      if (root == null) {
        return Future.failedFuture(new RedfishException("no Redfish service root at " + endpoint.address() + ROOT));
      }
      String systems = link(root, "Systems");
      return systems == null ? Future.succeededFuture((JsonObject) null) : get(systems);
    }).compose(collection -> {
      List<String> links = new ArrayList<>();
      if (collection != null && collection.getValue("Members") instanceof JsonArray members) {
        for (Object m : members) {
          if (m instanceof JsonObject o && o.getValue("@odata.id") instanceof String id) {
            links.add(id);
          }
        }
      }
      List<Future<JsonObject>> each = links.stream().map(this::get).toList();
      return Future.all(each).compose(all -> {
        int pick = -1;
        for (int i = 0; i < links.size(); i++) {
          JsonObject s = all.resultAt(i);
          if (s != null && resetAction(s) != null && (pick < 0 || s.containsKey("Boot")
              && !((JsonObject) all.resultAt(pick)).containsKey("Boot"))) {
            pick = i;
          }
        }
        if (pick < 0) {
          return Future.failedFuture(new RedfishException("no system on " + endpoint.address()
              + " advertises a #ComputerSystem.Reset action (systems: " + links + "); it cannot be powered by Redfish"));
        }
        JsonObject s = all.resultAt(pick);
        String id = links.get(pick);
        return resetTypes(s).map(types -> {
          JsonObject boot = obj(s, "Boot");
          return new HostSystem(id, resetAction(s).getString("target"), types, s.getString("PowerState"),
              strings(boot == null ? null : boot.getValue("BootSourceOverrideTarget@Redfish.AllowableValues")),
              strings(boot == null ? null : boot.getValue("BootSourceOverrideEnabled@Redfish.AllowableValues")));
        });
      });
    });
  }

  private static JsonObject resetAction(JsonObject system) {
    JsonObject reset = obj(obj(system, "Actions"), "#ComputerSystem.Reset");
    return reset != null && reset.getValue("target") instanceof String ? reset : null;
  }

  private Future<List<String>> resetTypes(JsonObject system) {
    JsonObject reset = resetAction(system);
    Object inline = reset.getValue("ResetType@Redfish.AllowableValues");
    if (inline instanceof JsonArray) {
      return Future.succeededFuture(strings(inline));
    }
    if (!(reset.getValue("@Redfish.ActionInfo") instanceof String info)) {
      return Future.succeededFuture(List.of());
    }
    return get(info).map(ai -> {
      if (ai != null && ai.getValue("Parameters") instanceof JsonArray params) {
        for (Object p : params) {
          if (p instanceof JsonObject param && "ResetType".equals(param.getValue("Name"))) {
            return strings(param.getValue("AllowableValues"));
          }
        }
      }
      return List.of();
    });
  }

  /** {@code PowerState} of {@code system} as read now ({@code On}, {@code Off}, {@code PoweringOn}, ...). */
  public Future<String> powerState(HostSystem system) {
    return get(system.odataId()).compose(s -> s == null
        ? Future.failedFuture(new RedfishException("system " + system.odataId() + " is gone from "
            + endpoint.address()))
        : Future.succeededFuture(s.getValue("PowerState") instanceof String p ? p : null));
  }

  // ---------------------------------------------------------------------------------------------- power

  /**
   * Brings {@code system} to {@code target} (ComputerSystem.Reset). Already there (ON/OFF) → success, nothing
   * sent; REBOOT always sends (from Off it powers on). The {@code ResetType} is the first the system allows of:
   * ON {@code On, ForceOn, PushPowerButton}; OFF {@code ForceOff, GracefulShutdown, PushPowerButton}; REBOOT
   * {@code ForceRestart, GracefulRestart, PowerCycle}, else OFF then ON. It is POSTed without If-Match; a 202
   * with a task monitor is followed to its end; a 409 to a power-on is retried with backoff until
   * {@code powerTimeout}. Then {@code PowerState} is polled every {@code pollInterval} until it is {@code On}
   * (ON, REBOOT) or {@code Off} (OFF).
   *
   * @return fails TIMEOUT when the state never matched within {@code powerTimeout} (a BMC that accepted and did
   *     nothing), TASK_FAILED when the task failed, PERMANENT when no allowed ResetType fits
   */
  public Future<Void> setPower(HostSystem system, PowerTarget target) {
    return powerState(system).compose(now -> {
      if (target == PowerTarget.ON && "On".equals(now) || target == PowerTarget.OFF && "Off".equals(now)) {
        log("PowerState already " + now + ": nothing sent");
        return Future.succeededFuture();
      }
      if (target == PowerTarget.REBOOT) {
        if ("Off".equals(now)) {
          log("PowerState Off: REBOOT powers on");
          return power(system, ON_TYPES, "On");
        }
        String type = pick(system, RESTART_TYPES);
        if (type == null) {
          log("no restart ResetType among " + system.resetTypes() + ": Off then On");
          return power(system, OFF_TYPES, "Off").compose(v -> power(system, ON_TYPES, "On"));
        }
        return resetAndWait(system, type, "On");
      }
      return target == PowerTarget.ON ? power(system, ON_TYPES, "On") : power(system, OFF_TYPES, "Off");
    });
  }

  private Future<Void> power(HostSystem system, List<String> candidates, String want) {
    String type = pick(system, candidates);
    if (type == null) {
      return Future.failedFuture(new RedfishException("system " + system.odataId() + " on " + endpoint.address()
          + " allows ResetType " + system.resetTypes() + ", none of " + candidates + " to power " + want.toLowerCase(
          Locale.ROOT)));
    }
    return resetAndWait(system, type, want);
  }

  /** The first of {@code candidates} the system allows; the first at all when it advertises none. */
  private static String pick(HostSystem system, List<String> candidates) {
    if (system.resetTypes().isEmpty()) {
      return candidates.get(0);
    }
    return candidates.stream().filter(system.resetTypes()::contains).findFirst().orElse(null);
  }

  private Future<Void> resetAndWait(HostSystem system, String type, String want) {
    long deadline = System.nanoTime() + options.powerTimeout().toNanos();
    return postReset(system, type, deadline, 0).compose(v -> waitPower(system, type, want, deadline, 1));
  }

  private Future<Void> postReset(HostSystem system, String type, long deadline, int refusals) {
    JsonObject body = new JsonObject().put("ResetType", type);
    return call(HttpMethod.POST, system.resetTarget(), body, null).compose(r -> {
      if (r.status() == 202) {
        return followTask(r, "ResetType " + type);
      }
      if (r.status() / 100 == 2) {
        return Future.succeededFuture();
      }
      if (r.status() == 409 && ON_TYPES.contains(type)) {
        long wait = Math.min(options.retryBackoff().toMillis() << Math.min(refusals, 4),
            Math.max(options.retryBackoff().toMillis(), options.powerTimeout().toMillis() / 4));
        if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait) > deadline) {
          return Future.failedFuture(new RedfishException(RedfishException.Kind.TIMEOUT, "the BMC at "
              + endpoint.address() + " kept refusing ResetType " + type + " for " + seconds(options.powerTimeout())
              + " (409" + detail(r) + "); try again later or power the server on by hand"));
        }
        log("409 to ResetType " + type + ": again in " + wait + " ms");
        return delay(wait).compose(v -> postReset(system, type, deadline, refusals + 1));
      }
      return Future.failedFuture(failure("POST", system.resetTarget(), r));
    });
  }

  private Future<Void> waitPower(HostSystem system, String type, String want, long deadline, int n) {
    return delay(options.pollInterval().toMillis()).compose(v -> powerState(system)).compose(state -> {
      log("poll " + n + ": PowerState " + state + ", want " + want);
      if (want.equals(state)) {
        return Future.succeededFuture();
      }
      if (System.nanoTime() >= deadline) {
        return Future.failedFuture(new RedfishException(RedfishException.Kind.TIMEOUT, "system "
            + system.odataId() + " on " + endpoint.address() + " still reads PowerState " + state + " "
            + seconds(options.powerTimeout()) + " after ResetType " + type + " was accepted; want " + want
            + ". Check the server's power in the BMC's own console"));
      }
      return waitPower(system, type, want, deadline, n + 1);
    });
  }

  // ---------------------------------------------------------------------------------------------- tasks

  /** Follows the task monitor a 202 names (DSP0266 §12.2) to its end; no monitor named → accepted. */
  private Future<Void> followTask(Reply accepted, String what) {
    String monitor = pathOf(accepted.header("Location"));
    JsonObject body = accepted.json();
    if (monitor == null && body != null && body.getValue("TaskMonitor") instanceof String m) {
      monitor = m;
    }
    if (monitor == null && body != null && body.getString("@odata.type", "").startsWith("#Task.")
        && body.getValue("@odata.id") instanceof String id) {
      monitor = id;
    }
    if (monitor == null) {
      log("202 for " + what + " without a task monitor: taken as accepted");
      return Future.succeededFuture();
    }
    long deadline = System.nanoTime() + options.taskTimeout().toNanos();
    return pollTask(monitor, what, deadline, retryAfter(accepted), 1);
  }

  private Future<Void> pollTask(String monitor, String what, long deadline, long wait, int n) {
    return delay(wait).compose(v -> call(HttpMethod.GET, monitor, null, null)).compose(r -> {
      JsonObject t = r.json();
      String state = t != null && t.getValue("TaskState") instanceof String s ? s : null;
      String status = t != null && t.getValue("TaskStatus") instanceof String s ? s : null;
      if (r.status() == 204 || r.status() / 100 == 2 && r.status() != 202 && state == null) {
        log("task " + monitor + ": done (" + r.status() + ")");
        return Future.succeededFuture();
      }
      if (r.status() == 404) {
        log("task " + monitor + ": gone (404), taken as done");
        return Future.succeededFuture();
      }
      if (r.status() / 100 != 2) {
        return Future.failedFuture(failure("GET", monitor, r));
      }
      log("task " + monitor + ": " + (state == null ? "running" : state)
          + (status == null ? "" : " (TaskStatus " + status + ")"));
      if ("Completed".equals(state)) {
        return Future.succeededFuture();
      }
      if (state != null && TASK_FAILED.contains(state)) {
        return Future.failedFuture(new RedfishException(RedfishException.Kind.TASK_FAILED, "the BMC at "
            + endpoint.address() + " ran " + what + " as task " + monitor + ", which ended " + state
            + (status == null ? "" : " (TaskStatus " + status + ")") + taskMessages(t)
            + "; the request did not take effect"));
      }
      if (System.nanoTime() >= deadline) {
        return Future.failedFuture(new RedfishException(RedfishException.Kind.TIMEOUT, "task " + monitor + " for "
            + what + " on " + endpoint.address() + " is still " + (state == null ? "running" : state) + " after "
            + seconds(options.taskTimeout())));
      }
      return pollTask(monitor, what, deadline, retryAfter(r), n + 1);
    });
  }

  /** The wait before the next task poll: Retry-After (seconds) when given, at most four poll intervals. */
  private long retryAfter(Reply r) {
    long poll = options.pollInterval().toMillis();
    String h = r.header("Retry-After");
    if (h != null) {
      try {
        return Math.min(Long.parseLong(h.trim()) * 1000, poll * 4);
      } catch (NumberFormatException e) {
        // an HTTP date: keep the poll interval
      }
    }
    return poll;
  }

  private static String taskMessages(JsonObject task) {
    if (task == null || !(task.getValue("Messages") instanceof JsonArray messages)) {
      return "";
    }
    List<String> out = new ArrayList<>();
    for (Object m : messages) {
      if (m instanceof JsonObject o) {
        String id = o.getValue("MessageId") instanceof String s ? s : null;
        String text = o.getValue("Message") instanceof String s ? s : null;
        out.add(id == null ? String.valueOf(text) : text == null ? id : id + ": " + text);
      }
    }
    return out.isEmpty() ? "" : ": " + String.join("; ", out);
  }

  // ---------------------------------------------------------------------------------------------- boot

  /**
   * Sets the boot override (ComputerSystem {@code Boot}): PATCH of the system with only the changed
   * {@code BootSourceOverrideTarget} / {@code BootSourceOverrideEnabled} (nothing sent when both are already so),
   * {@code If-Match} carrying the ETag exactly as received on the GET just before (quoted, bare or weak); a 412
   * reads again once and retries; a 428 (no If-Match while one is required) reads and retries with the ETag. Then
   * reads back to confirm.
   *
   * @param target  e.g. {@code Cd}, {@code Pxe}, {@code Hdd}, {@code UsbCd}
   * @param enabled {@code Once}, {@code Continuous} or {@code Disabled}
   * @return fails PERMANENT when a value is not among those the system advertises (e.g. Lenovo offers no
   *     {@code Continuous}), when the PATCH is refused, or when the read-back differs
   */
  public Future<Void> setBootOverride(HostSystem system, String target, String enabled) {
    if (!system.bootTargets().isEmpty() && !system.bootTargets().contains(target)) {
      return Future.failedFuture(new RedfishException("system " + system.odataId() + " on " + endpoint.address()
          + " offers no boot override target " + target + "; it offers " + system.bootTargets()));
    }
    List<String> enabledValues = system.bootEnabledValues().isEmpty() ? ENABLED : system.bootEnabledValues();
    if (!enabledValues.contains(enabled)) {
      return Future.failedFuture(new RedfishException("system " + system.odataId() + " on " + endpoint.address()
          + " offers no BootSourceOverrideEnabled " + enabled + "; it offers " + enabledValues));
    }
    return read(system.odataId()).compose(r -> patchBoot(system, target, enabled, r, false, false));
  }

  private Future<Void> patchBoot(HostSystem system, String target, String enabled, Reply current,
                                 boolean reread412, boolean reread428) {
    JsonObject boot = current == null ? null : obj(current.json(), "Boot");
    if (boot == null) {
      return Future.failedFuture(new RedfishException("system " + system.odataId() + " on " + endpoint.address()
          + " has no Boot settings"));
    }
    JsonObject changes = new JsonObject();
    if (!target.equals(boot.getValue("BootSourceOverrideTarget"))) {
      changes.put("BootSourceOverrideTarget", target);
    }
    if (!enabled.equals(boot.getValue("BootSourceOverrideEnabled"))) {
      changes.put("BootSourceOverrideEnabled", enabled);
    }
    if (changes.isEmpty()) {
      log("Boot override already " + target + "/" + enabled + ": nothing sent");
      return Future.succeededFuture();
    }
    String etag = etags.get(system.odataId());
    JsonObject body = new JsonObject().put("Boot", changes);
    return call(HttpMethod.PATCH, system.odataId(), body, etag).compose(r -> {
      if (r.status() == 412 && !reread412) {
        log("412: the system changed since it was read; reading it again");
        return read(system.odataId()).compose(again -> patchBoot(system, target, enabled, again, true, reread428));
      }
      if (r.status() == 428 && !reread428) {
        log("428: the BMC wants If-Match; reading the ETag");
        return read(system.odataId()).compose(again -> patchBoot(system, target, enabled, again, reread412, true));
      }
      if (r.status() / 100 != 2) {
        return Future.failedFuture(failure("PATCH", system.odataId(), r));
      }
      Future<Void> done = r.status() == 202 ? followTask(r, "the boot override") : Future.succeededFuture();
      return done.compose(v -> read(system.odataId())).compose(after -> {
        JsonObject now = after == null ? null : obj(after.json(), "Boot");
        Object t = now == null ? null : now.getValue("BootSourceOverrideTarget");
        Object e = now == null ? null : now.getValue("BootSourceOverrideEnabled");
        if (!target.equals(t) || !enabled.equals(e)) {
          return Future.failedFuture(new RedfishException("the BMC at " + endpoint.address()
              + " accepted the boot override " + target + "/" + enabled + " but " + system.odataId() + " reads "
              + t + "/" + e));
        }
        return Future.<Void>succeededFuture();
      });
    });
  }

  // ---------------------------------------------------------------------------------------------- virtual media

  /**
   * Inserts {@code imageUrl} as a virtual CD (VirtualMedia schema): the VirtualMedia collections of the system and
   * of its managers ({@code Links.ManagedBy}, else the service root's Managers) are searched for a slot whose
   * {@code MediaTypes} include CD or DVD and that advertises {@code #VirtualMedia.InsertMedia} (others are
   * skipped); a slot already holding the image is kept, else the first such slot is used, ejecting what it
   * holds first (so the server never sees two CDs). {@code InsertMedia {Image, Inserted: true, WriteProtected: true}} is POSTed without If-Match,
   * then the slot is read until it shows the image inserted (within {@code taskTimeout}).
   *
   * @return fails PERMANENT when no such slot exists (e.g. Lenovo XCC, the DMTF mockups), TIMEOUT when the slot
   *     never shows the image
   */
  public Future<Void> insertMedia(HostSystem system, String imageUrl) {
    return mediaSlots(system).compose(slots -> {
      List<Slot> cds = slots.stream().filter(s -> strings(s.body().getValue("MediaTypes")).stream()
          .anyMatch(t -> t.equals("CD") || t.equals("DVD"))).toList();
      List<Slot> usable = new ArrayList<>();
      for (Slot s : cds) {
        if (actionTarget(s, "#VirtualMedia.InsertMedia") != null) {
          usable.add(s);
        } else {
          log("skip " + s.odataId() + ": no #VirtualMedia.InsertMedia action");
        }
      }
      if (usable.isEmpty()) {
        return Future.failedFuture(new RedfishException("no CD/DVD virtual-media slot of system " + system.odataId()
            + " on " + endpoint.address() + " advertises #VirtualMedia.InsertMedia (CD/DVD slots: "
            + cds.stream().map(Slot::odataId).toList() + "); mount the image another way"));
      }
      Slot holding = usable.stream().filter(s -> inserted(s) && imageUrl.equals(s.body().getValue("Image")))
          .findFirst().orElse(null);
      if (holding != null) {
        log(holding.odataId() + " already holds " + imageUrl + ": nothing sent");
        return Future.succeededFuture();
      }
      Slot slot = usable.get(0);
      Future<Void> empty = inserted(slot) ? eject(slot) : Future.succeededFuture();
      String insert = actionTarget(slot, "#VirtualMedia.InsertMedia");
      JsonObject body = new JsonObject().put("Image", imageUrl).put("Inserted", true).put("WriteProtected", true);
      return empty.compose(v -> call(HttpMethod.POST, insert, body, null)).compose(r -> {
        if (r.status() / 100 != 2) {
          return Future.failedFuture(failure("POST", insert, r));
        }
        return r.status() == 202 ? followTask(r, "InsertMedia") : Future.<Void>succeededFuture();
      }).compose(v -> waitMedia(slot.odataId(), true, imageUrl,
          System.nanoTime() + options.taskTimeout().toNanos(), 0));
    });
  }

  /**
   * Ejects every inserted virtual medium of the system and its managers ({@code #VirtualMedia.EjectMedia}) and
   * confirms each slot reads {@code Inserted: false}. A slot holding media without any action (nothing could have
   * been inserted there by Redfish) is left alone and logged.
   *
   * @return fails PERMANENT when a slot offering InsertMedia holds media but offers no EjectMedia
   */
  public Future<Void> ejectMedia(HostSystem system) {
    return mediaSlots(system).compose(slots -> {
      List<String> stuck = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (Slot s : slots) {
        if (!inserted(s)) {
          continue;
        }
        if (actionTarget(s, "#VirtualMedia.EjectMedia") != null) {
          chain = chain.compose(v -> eject(s));
        } else if (actionTarget(s, "#VirtualMedia.InsertMedia") != null) {
          stuck.add(s.odataId());
        } else {
          log("skip " + s.odataId() + ": holds media but offers no virtual-media actions");
        }
      }
      return chain.compose(v -> stuck.isEmpty() ? Future.<Void>succeededFuture()
          : Future.failedFuture(new RedfishException("virtual media " + stuck + " on " + endpoint.address()
              + " hold an image but offer no #VirtualMedia.EjectMedia; eject it in the BMC's console")));
    });
  }

  private Future<Void> eject(Slot slot) {
    String target = actionTarget(slot, "#VirtualMedia.EjectMedia");
    if (target == null) {
      return Future.failedFuture(new RedfishException("virtual media " + slot.odataId() + " on "
          + endpoint.address() + " holds " + slot.body().getValue("Image") + " but offers no EjectMedia"));
    }
    return call(HttpMethod.POST, target, new JsonObject(), null).compose(r -> {
      if (r.status() / 100 != 2) {
        return Future.failedFuture(failure("POST", target, r));
      }
      return r.status() == 202 ? followTask(r, "EjectMedia") : Future.<Void>succeededFuture();
    }).compose(v -> waitMedia(slot.odataId(), false, null, System.nanoTime() + options.taskTimeout().toNanos(), 0));
  }

  private Future<Void> waitMedia(String slot, boolean wantInserted, String image, long deadline, int n) {
    Future<Void> pause = n == 0 ? Future.succeededFuture() : delay(options.pollInterval().toMillis());
    return pause.compose(v -> get(slot)).compose(s -> {
      boolean in = s != null && inserted(new Slot(slot, s));
      Object shown = s == null ? null : s.getValue("Image");
      log("poll " + (n + 1) + ": " + slot + " Inserted " + in + " Image " + shown + ", want "
          + (wantInserted ? "Inserted true Image " + image : "Inserted false"));
      if (in == wantInserted && (!wantInserted || image.equals(shown))) {
        return Future.succeededFuture();
      }
      if (System.nanoTime() >= deadline) {
        return Future.failedFuture(new RedfishException(RedfishException.Kind.TIMEOUT, "virtual media " + slot
            + " on " + endpoint.address() + " does not show " + (wantInserted ? image + " inserted" : "ejected")
            + " " + seconds(options.taskTimeout()) + " after the BMC accepted the request"));
      }
      return waitMedia(slot, wantInserted, image, deadline, n + 1);
    });
  }

  private static boolean inserted(Slot s) {
    Object inserted = s.body().getValue("Inserted");
    if (inserted instanceof Boolean b) {
      return b;
    }
    return s.body().getValue("Image") instanceof String image && !image.isBlank();
  }

  private static String actionTarget(Slot s, String action) {
    JsonObject a = obj(obj(s.body(), "Actions"), action);
    return a != null && a.getValue("target") instanceof String t ? t : null;
  }

  /** The slots of the system's and its managers' VirtualMedia collections (each collection and slot once). */
  private Future<List<Slot>> mediaSlots(HostSystem system) {
    return get(system.odataId()).compose(s -> {
      if (s == null) {
        return Future.failedFuture(new RedfishException("system " + system.odataId() + " is gone from "
            + endpoint.address()));
      }
      Set<String> collections = new LinkedHashSet<>();
      String own = link(s, "VirtualMedia");
      if (own != null) {
        collections.add(own);
      }
      JsonObject links = obj(s, "Links");
      List<String> managers = new ArrayList<>();
      if (links != null && links.getValue("ManagedBy") instanceof JsonArray by) {
        for (Object m : by) {
          if (m instanceof JsonObject o && o.getValue("@odata.id") instanceof String id) {
            managers.add(id);
          }
        }
      }
      Future<List<String>> managerLinks = !managers.isEmpty() ? Future.succeededFuture(managers)
          : get(ROOT).compose(root -> root == null || link(root, "Managers") == null
              ? Future.succeededFuture(List.<String>of()) : get(link(root, "Managers")).map(RedfishClient::memberLinks));
      return managerLinks.compose(ms -> Future.all(ms.stream().map(this::get).toList()).map(all -> {
        for (int i = 0; i < ms.size(); i++) {
          JsonObject m = all.resultAt(i);
          String vm = m == null ? null : link(m, "VirtualMedia");
          if (vm != null) {
            collections.add(vm);
          }
        }
        return List.copyOf(collections);
      }));
    }).compose(collections -> Future.all(collections.stream().map(this::get).toList()).compose(all -> {
      Set<String> slotLinks = new LinkedHashSet<>();
      for (int i = 0; i < collections.size(); i++) {
        slotLinks.addAll(memberLinks(all.resultAt(i)));
      }
      List<String> ids = List.copyOf(slotLinks);
      return Future.all(ids.stream().map(this::get).toList()).map(bodies -> {
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
          if (bodies.resultAt(i) != null) {
            slots.add(new Slot(ids.get(i), bodies.resultAt(i)));
          }
        }
        return slots;
      });
    }));
  }

  private static List<String> memberLinks(JsonObject collection) {
    List<String> out = new ArrayList<>();
    if (collection != null && collection.getValue("Members") instanceof JsonArray members) {
      for (Object m : members) {
        if (m instanceof JsonObject o && o.getValue("@odata.id") instanceof String id) {
          out.add(id);
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------- HTTP

  /** A call with authentication; a 401 with a token logs in once again and repeats it; other 401s fail. */
  private Future<Reply> call(HttpMethod method, String path, JsonObject body, String ifMatch) {
    String used = token;
    return exchange(method, path, body, ifMatch, true, null).compose(r -> {
      if (r.status() != 401) {
        return Future.succeededFuture(r);
      }
      if (used == null || sessionsLink == null) {
        return Future.failedFuture(refused(method + " " + path, 401));
      }
      return relogin(used).compose(v -> exchange(method, path, body, ifMatch, true, null)).compose(again ->
          again.status() == 401 ? Future.failedFuture(refused(method + " " + path, 401))
              : Future.succeededFuture(again));
    });
  }

  /** One call, retried on transient failures ({@code retries} times, backoff doubling). */
  private Future<Reply> exchange(HttpMethod method, String path, JsonObject body, String ifMatch, boolean auth,
                                 String shownBody) {
    return attempt(method, path, body, ifMatch, auth, shownBody, 0);
  }

  private Future<Reply> attempt(HttpMethod method, String path, JsonObject body, String ifMatch, boolean auth,
                                String shownBody, int n) {
    return sendOnce(method, path, body, ifMatch, auth, shownBody).transform(ar -> {
      boolean transientFailure = ar.failed()
          ? ar.cause() instanceof RedfishException e && e.kind() == RedfishException.Kind.TRANSIENT
          : ar.result().status() >= 500 && ar.result().status() != 501;
      if (transientFailure && n < options.retries()) {
        long wait = options.retryBackoff().toMillis() << Math.min(n, 20);
        log("retry " + (n + 1) + "/" + options.retries() + " of " + method + " " + path + " in " + wait + " ms");
        return delay(wait).compose(v -> attempt(method, path, body, ifMatch, auth, shownBody, n + 1));
      }
      return ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause());
    });
  }

  /** One HTTP exchange within {@code requestTimeout}, logged; a connection-level failure is a RedfishException. */
  private Future<Reply> sendOnce(HttpMethod method, String path, JsonObject body, String ifMatch, boolean auth,
                                 String shownBody) {
    long timeout = options.requestTimeout().toMillis();
    HttpRequest<Buffer> req = web.request(method, path).idleTimeout(timeout).connectTimeout(timeout)
        .putHeader("Accept", "application/json").putHeader("OData-Version", "4.0");
    if (body != null) {
      req.putHeader("Content-Type", "application/json");
    }
    if (ifMatch != null) {
      req.putHeader("If-Match", ifMatch);
    }
    String t = token;
    if (auth) {
      if (t != null) {
        req.putHeader("X-Auth-Token", t);
      } else {
        req.basicAuthentication(endpoint.username(), endpoint.password());
      }
    }
    String line = method + " " + path + (body == null ? "" : " " + (shownBody != null ? shownBody : body.encode()))
        + (ifMatch == null ? "" : " If-Match " + ifMatch);
    long start = System.nanoTime();
    Future<HttpResponse<Buffer>> sent = body == null ? req.send() : req.sendBuffer(Buffer.buffer(body.encode()));
    return sent.timeout(timeout, TimeUnit.MILLISECONDS).transform(ar -> {
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      if (ar.failed()) {
        RedfishException e = connectionFailure(method + " " + path, ar.cause());
        log(line + " -> failed: " + e.getMessage() + " (" + ms + " ms)");
        return Future.failedFuture(e);
      }
      HttpResponse<Buffer> r = ar.result();
      log(line + " -> " + r.statusCode() + " (" + ms + " ms)");
      JsonObject json = null;
      Buffer b = r.body();
      if (b != null && b.length() > 0) {
        try {
          json = new JsonObject(b);
        } catch (RuntimeException notJson) {
          // an HTML error page or an array: no JSON object
        }
      }
      return Future.succeededFuture(new Reply(r.statusCode(), r.headers(), json));
    });
  }

  private RedfishException connectionFailure(String what, Throwable cause) {
    String actual = pinned == null ? null : pinned.mismatch;
    if (actual != null) {
      return new RedfishException(RedfishException.Kind.PERMANENT, "the BMC at " + endpoint.address()
          + " presented a certificate with SHA-256 " + actual + ", not the pinned " + endpoint.certificateSha256()
          + "; if its certificate was replaced on purpose, pin the new fingerprint");
    }
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof SSLException || c instanceof CertificateException) {
        return new RedfishException(RedfishException.Kind.PERMANENT, "TLS with the BMC at " + endpoint.address()
            + " failed (" + c.getMessage() + "): its certificate is not trusted by the JVM's default trust store;"
            + " pin its SHA-256 fingerprint (certificateSha256) or, on purpose, set insecure");
      }
      if (c instanceof TimeoutException || c.getClass().getSimpleName().contains("Timeout")) {
        return new RedfishException(RedfishException.Kind.TRANSIENT, "the BMC at " + endpoint.address()
            + " gave no whole answer to " + what + " within " + options.requestTimeout().toMillis() + " ms");
      }
    }
    return new RedfishException(RedfishException.Kind.TRANSIENT, "cannot reach the BMC at " + endpoint.address()
        + " (" + what + "): " + cause.getMessage());
  }

  private RedfishException refused(String what, int status) {
    return new RedfishException(RedfishException.Kind.PERMANENT, "the BMC at " + endpoint.address()
        + " refused user " + endpoint.username() + " (" + status + " to " + what + "); check the BMC user name and "
        + "password" + (status == 403 ? " and the account's privileges" : ""));
  }

  private RedfishException failure(String method, String path, Reply r) {
    boolean transientStatus = r.status() >= 500 && r.status() != 501;
    return new RedfishException(transientStatus ? RedfishException.Kind.TRANSIENT : RedfishException.Kind.PERMANENT,
        "the BMC at " + endpoint.address() + " answered " + r.status() + " to " + method + " " + path
            + (transientStatus ? " (" + (options.retries() + 1) + " attempts)" : "") + detail(r));
  }

  /** The BMC's own message (Redfish error body, DSP0266 §9.6), as {@code ": text"}, or empty. */
  private static String detail(Reply r) {
    JsonObject error = obj(r.json(), "error");
    if (error == null) {
      return "";
    }
    if (error.getValue("@Message.ExtendedInfo") instanceof JsonArray info && !info.isEmpty()
        && info.getValue(0) instanceof JsonObject first && first.getValue("Message") instanceof String m) {
      return ": " + m;
    }
    return error.getValue("message") instanceof String m ? ": " + m : "";
  }

  private Future<Void> delay(long ms) {
    if (ms <= 0) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    vertx.setTimer(ms, id -> p.complete());
    return p.future();
  }

  private void log(String line) {
    try {
      callLog.accept(line);
    } catch (RuntimeException e) {
      // a broken log must not break the call
    }
  }

  // ---------------------------------------------------------------------------------------------- helpers

  /** A Location header as a path: an absolute URL's path (and query), a path as it is. */
  private static String pathOf(String location) {
    if (location == null || location.isBlank()) {
      return null;
    }
    if (location.startsWith("http://") || location.startsWith("https://")) {
      int slash = location.indexOf('/', location.indexOf("//") + 2);
      return slash < 0 ? null : location.substring(slash);
    }
    return location;
  }

  private static JsonObject obj(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof JsonObject v ? v : null;
  }

  private static String link(JsonObject o, String key) {
    JsonObject l = obj(o, key);
    return l != null && l.getValue("@odata.id") instanceof String id ? id : null;
  }

  private static List<String> strings(Object array) {
    if (!(array instanceof JsonArray a)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Object v : a) {
      if (v instanceof String s) {
        out.add(s);
      }
    }
    return out;
  }

  private static String seconds(java.time.Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /** Accepts exactly the leaf certificate whose DER has the pinned SHA-256; remembers a mismatch's fingerprint. */
  private static final class PinnedTrustManager implements X509TrustManager {
    private final String pin;
    volatile String mismatch;

    PinnedTrustManager(String pin) {
      this.pin = pin;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      if (chain == null || chain.length == 0) {
        throw new CertificateException("no certificate presented");
      }
      String actual;
      try {
        actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded()));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new CertificateException(e);
      }
      if (!MessageDigest.isEqual(actual.getBytes(), pin.getBytes())) {
        mismatch = actual;
        throw new CertificateException("certificate SHA-256 " + actual + " is not the pinned " + pin);
      }
      mismatch = null;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a BMC client trusts no client certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
