package io.k0rdent.api.router.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.server.BmcProbe;
import io.k0rdent.api.core.server.CredentialCipher;
import io.k0rdent.api.core.server.Server;
import io.k0rdent.api.core.server.ServerAction;
import io.k0rdent.api.core.server.ServerLogEntry;
import io.k0rdent.api.core.server.ServerState;
import io.k0rdent.api.core.server.Transition;
import io.k0rdent.api.core.store.PageCursor;
import io.k0rdent.api.core.store.ServerStore;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.BodyValidator;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.HttpErrors;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.Reply;
import io.k0rdent.api.router.resources.ProjectResources.Found;
import io.k0rdent.api.router.resources.ProjectResources.Target;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Handlers of a project's bare-metal servers in a region (upstream operationIds {@code registerServer},
 * {@code listServers}, {@code getServer}, {@code updateServer}, {@code decommissionServer}, {@code provisionServer},
 * {@code validateServer}, {@code executeServerAction}, {@code getServerLogs}, {@code batchCreateServers}) under
 * {@code /v1/regions/{region}/projects/{project}/infrastructure/}; all Atlas-only. The handlers only record what
 * is asked (a state transition, a power request) and announce it on {@link BmcProbe#WAKE_ADDRESS}; the workers of
 * the verticles module talk to the BMCs. Authorization as {@link ProjectResources} says, with
 * {@code infrastructure.servers.*} permissions.
 */
public final class ServersApi {

  /** Largest {@code :batchCreate}. */
  public static final int MAX_BATCH = 500;
  /** Largest {@code configuration} of {@code :provision}, in bytes of JSON. */
  public static final int MAX_CONFIGURATION_BYTES = 64 * 1024;
  /** Log entries per page by default and at most (upstream {@code getServerLogs}). */
  public static final int DEFAULT_LOG_PAGE = 100;
  public static final int MAX_LOG_PAGE = 1000;

  private static final String KIND = "server";
  private static final String COLLECTION = "servers";

  private final ApiServices services;
  private final ServerStore store;
  private final ProjectResources projects;
  private final BodyValidator entryValidator;

  /** @param entryValidator the validator of {@code ServerCreateRequest}, applied to each {@code :batchCreate} entry */
  public ServersApi(ApiServices services, BodyValidator entryValidator) {
    this.services = services;
    this.store = services.store().servers();
    this.projects = new ProjectResources(services, "infrastructure");
    this.entryValidator = entryValidator;
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.ofEntries(
        Map.entry("registerServer", this::register),
        Map.entry("batchCreateServers", this::batchCreate),
        Map.entry("listServers", call -> projects.list(call, Permissions.SERVERS_LIST, Permissions.SERVERS_GET,
            COLLECTION, "servers", (t, after, n) -> store.list(t.place(), after, n), items -> {
              JsonArray out = new JsonArray();
              items.forEach(s -> out.add(json(s)));
              return Future.succeededFuture(out);
            }, (t, s) -> true)),
        Map.entry("getServer", call -> one(call, Permissions.SERVERS_GET).map(o -> {
          ResourceOperations.checkIfMatch(ResourceOperations.ifMatch(call), o.item());
          return reply(200, o.item());
        })),
        Map.entry("updateServer", this::update),
        Map.entry("decommissionServer", call -> change(call, Permissions.SERVERS_DELETE,
            s -> notInMaintenance(s, "decommissioning it").apply(Transition.of(s.state(), ServerAction.DELETE, null),
                Clock.now()))
            .map(s -> Reply.noContent())),
        Map.entry("provisionServer", this::provision),
        Map.entry("validateServer", call -> one(call, Permissions.SERVERS_VALIDATE)
            .compose(o -> services.servers().probe().validate(o.item()))
            .map(errors -> Reply.ok(new JsonObject().put("valid", errors.isEmpty()).put("errors", new JsonArray(errors))))),
        Map.entry("executeServerAction", this::action),
        Map.entry("getServerLogs", this::logs));
  }

  private Future<Found<Server>> one(Call call, String permission) {
    return projects.one(call, permission, Permissions.SERVERS_LIST, KIND, COLLECTION,
        (t, id) -> store.get(t.place(), id), (t, s) -> true);
  }

  /**
   * The read-modify-write of every change to one server: {@code patch} (which throws the 409s of the state
   * machine) applied under {@code If-Match} and compare-and-set; a change that needs a worker is announced.
   */
  private Future<Server> change(Call call, String permission, Function<Server, Server> patch) {
    return change(call, permission, patch, false);
  }

  /** 409 while the server is in maintenance: workers leave it alone, so nothing would drive a new working state. */
  private static Server notInMaintenance(Server s, String what) {
    if (s.maintenance().on()) {
      throw ApiException.conflict("FAILED_PRECONDITION", "server '" + s.id() + "' is in maintenance ("
          + s.maintenance().reason() + "); clearMaintenance before " + what);
    }
    if (s.power().requested() != null) {
      // as Ironic locks a node during a power change: a phase must not race the worker's power request
      throw ApiException.conflict("FAILED_PRECONDITION", "server '" + s.id() + "' has a power change to "
          + s.power().requested().target() + " in progress; " + what + " once powerState shows it");
    }
    return s;
  }

  private Future<Server> change(Call call, String permission, Function<Server, Server> patch, boolean replaceBmc) {
    java.util.concurrent.atomic.AtomicReference<Server> before = new java.util.concurrent.atomic.AtomicReference<>();
    return one(call, permission).compose(o -> ResourceOperations.compareAndSet(call.ctx().vertx(), KIND,
            o.item().id(), ResourceOperations.ifMatch(call), () -> store.get(o.target().place(), o.item().id()),
            current -> {
              before.set(current);
              return patch.apply(current);
            }, s -> store.update(s, replaceBmc)))
        .compose(s -> {
          if (s.state().working() || s.power().requested() != null) {
            call.ctx().vertx().eventBus().publish(BmcProbe.WAKE_ADDRESS, s.uid().toString());
          }
          Server old = before.get();
          String what = old == null || old.version() == s.version() ? null : describe(call, old, s);
          return what == null ? Future.succeededFuture(s) : log(s, what).map(s);
        });
  }

  /** The operator's change as the server's log tells it, or null when it is only metadata. */
  private static String describe(Call call, Server old, Server now) {
    String who = call.principal() == null ? "an operator" : call.principal().subject();
    String action = call.ctx().pathParam("action");
    if (old.state() != now.state()) {
      return (action != null ? action : now.state() == ServerState.DELETING ? "decommission" : "provision")
          + " by " + who + ": " + old.state().wire() + " -> " + now.state().wire();
    }
    if (!java.util.Objects.equals(old.power().requested(), now.power().requested()) && now.power().requested() != null) {
      return action + " by " + who + ": power " + now.power().requested().target() + " requested";
    }
    if (old.maintenance().on() != now.maintenance().on()) {
      return (now.maintenance().on() ? "maintenance set by " + who + ": " + now.maintenance().reason()
          : "maintenance cleared by " + who);
    }
    if (!old.bmc().equals(now.bmc())) {
      return "BMC settings changed by " + who + " (address " + now.bmc().address() + ")";
    }
    return null;
  }

  /** One INFO entry in the server's log (a failure to write it is not the caller's problem). */
  private Future<Void> log(Server s, String message) {
    String job = s.state() == ServerState.PROVISIONING && s.provisioning() != null ? s.provisioning().jobId() : null;
    return store.appendLog(s.uid(), List.of(ServerLogEntry.of(Clock.now(), ServerLogEntry.Severity.INFO, message, job)))
        .otherwiseEmpty();
  }

  // ---------------------------------------------------------------- registration

  private CredentialCipher cipher() {
    CredentialCipher c = services.servers().cipher();
    if (c == null) {
      throw ApiException.unavailable("bare-metal registration needs servers.credentialKey (K0RDENT_SERVERS_CREDENTIAL_KEY): "
          + "32 random bytes, base64url, the same on every node");
    }
    return c;
  }

  private Future<Reply> register(Call call) {
    return projects.target(call, Permissions.SERVERS_LIST).compose(t -> {
      ProjectResources.requireInProject(call, t, Permissions.SERVERS_CREATE);
      Server s = fromRequest(call.body(), t, "");
      return store.create(s).compose(stored -> log(stored, registered(call, stored)).map(v -> {
        call.ctx().vertx().eventBus().publish(BmcProbe.WAKE_ADDRESS, stored.uid().toString());
        return reply(201, stored).withHeader("Location", stored.selfLink());
      }));
    });
  }

  private Future<Reply> batchCreate(Call call) {
    return projects.target(call, Permissions.SERVERS_LIST).compose(t -> {
      ProjectResources.requireInProject(call, t, Permissions.SERVERS_CREATE);
      cipher();
      JsonNode entries = call.body().get("servers");
      JsonArray succeeded = new JsonArray();
      JsonArray failed = new JsonArray();
      Future<Void> chain = Future.succeededFuture();
      for (int i = 0; i < entries.size(); i++) {
        int index = i;
        JsonNode entry = entries.get(i);
        chain = chain.compose(v -> {
          Future<Server> one;
          try {
            try {
              entryValidator.validate(entry);
            } catch (ApiException e) {
              throw prefixed(e, "servers[" + index + "].");
            }
            one = store.create(fromRequest(entry, t, "servers[" + index + "]."));
          } catch (ApiException e) {
            one = Future.failedFuture(e);
          }
          return one.transform(ar -> {
            if (ar.succeeded()) {
              return log(ar.result(), registered(call, ar.result())).map(x -> {
                call.ctx().vertx().eventBus().publish(BmcProbe.WAKE_ADDRESS, ar.result().uid().toString());
                succeeded.add(json(ar.result()));
                return (Void) null;
              });
            }
            if (ar.cause() instanceof ApiException e && e.status() < 500) {
              failed.add(new JsonObject().put("index", index).put("error", HttpErrors.body(e)));
              return Future.succeededFuture();
            }
            return Future.failedFuture(ar.cause()); // the store is down: the whole call answers 503
          });
        });
      }
      return chain.map(v -> Reply.ok(new JsonObject().put("succeeded", succeeded).put("failed", failed)));
    });
  }

  private static String registered(Call call, Server s) {
    return "registered by " + (call.principal() == null ? "an operator" : call.principal().subject()) + " with BMC "
        + s.bmc().address() + (s.bmc().certificateSha256() != null ? " (pinned certificate)"
        : s.bmc().insecure() ? " (any certificate accepted: insecure)" : "");
  }

  /** {@code e} with {@code prefix} before the field of each of its field violations. */
  @SuppressWarnings("unchecked")
  private static ApiException prefixed(ApiException e, String prefix) {
    List<Map<String, Object>> details = new ArrayList<>();
    for (Map<String, Object> d : e.details()) {
      if ("BadRequest".equals(d.get("@type")) && d.get("fieldViolations") instanceof List<?> list) {
        List<Map<String, Object>> fv = new ArrayList<>();
        for (Object o : list) {
          Map<String, Object> v = new LinkedHashMap<>((Map<String, Object>) o);
          Object f = v.get("field");
          v.put("field", f == null || "body".equals(f) ? prefix.substring(0, prefix.length() - 1) : prefix + f);
          fv.add(v);
        }
        details.add(Map.of("@type", "BadRequest", "fieldViolations", fv));
      } else {
        details.add(d);
      }
    }
    return new ApiException(e.status(), e.reason(), e.getMessage(), details);
  }

  /** A new server in {@code enrolling} from a {@code ServerCreateRequest} (already schema-checked). */
  private Server fromRequest(JsonNode body, Target t, String prefix) {
    CredentialCipher cipher = cipher();
    String id = text(body, "id");
    if (id == null) {
      id = Slugs.generate("server");
    }
    String address = bmcAddress(text(body, "bmcAddress"), prefix + "bmcAddress");
    JsonNode creds = body.get("bmcCredentials");
    JsonNode tls = body.get("bmcTls");
    JsonNode inspect = body.get("inspect");
    Instant now = Clock.now();
    Server draft = Server.enrolling(t.place().region(), t.place().project(), id, text(body, "displayName"),
        text(body, "description"), tags(body.get("tags")), text(body, "persona"), null,
        inspect == null || inspect.isNull() || inspect.asBoolean(), now);
    return draft.withBmc(bmc(address, creds, tls, draft.uid(), cipher, prefix));
  }

  private static Server.Bmc bmc(String address, JsonNode creds, JsonNode tls, UUID uid, CredentialCipher cipher,
                                String prefix) {
    Tls t = tls(tls, prefix);
    return new Server.Bmc(address, seal(creds, uid, cipher), t.pin(), t.insecure());
  }

  private static String seal(JsonNode creds, UUID uid, CredentialCipher cipher) {
    return cipher.seal(uid, new CredentialCipher.Credentials(creds.get("username").asText(),
        creds.get("password").asText()));
  }

  /** A {@code bmcTls} setting: the pinned fingerprint as lowercase hex without colons, or insecure, or neither. */
  private record Tls(String pin, boolean insecure) {}

  /**
   * RFC 7396 merge of a {@code bmcTls} patch into {@code current}: absent keeps it, null removes the setting, an
   * object replaces only the members it names (null members removed).
   */
  private static Tls mergeTls(Tls current, JsonNode patch) {
    if (patch == null) {
      return current;
    }
    if (patch.isNull()) {
      return new Tls(null, false);
    }
    String pin = current.pin();
    if (patch.has("certificateSha256")) {
      JsonNode p = patch.get("certificateSha256");
      pin = p.isNull() ? null : p.asText().replace(":", "").toLowerCase(Locale.ROOT);
    }
    boolean insecure = patch.has("insecure") ? patch.get("insecure").asBoolean(false) : current.insecure();
    if (pin != null && insecure) {
      throw ApiException.invalidField("bmcTls",
          "set either certificateSha256 (pin the BMC's certificate) or insecure, not both");
    }
    return new Tls(pin, insecure);
  }

  private static Tls tls(JsonNode tls, String prefix) {
    if (tls == null || tls.isNull()) {
      return new Tls(null, false);
    }
    JsonNode p = tls.get("certificateSha256");
    String pin = p == null || p.isNull() ? null : p.asText().replace(":", "").toLowerCase(Locale.ROOT);
    boolean insecure = tls.path("insecure").asBoolean(false);
    if (pin != null && insecure) {
      throw ApiException.invalidField(prefix + "bmcTls",
          "set either certificateSha256 (pin the BMC's certificate) or insecure, not both");
    }
    return new Tls(pin, insecure);
  }

  /**
   * A BMC address as sent, when it is {@code https://host[:port]} (or {@code http://} where allowed): no user
   * info (credentials go in {@code bmcCredentials}), no path, query or fragment.
   */
  private String bmcAddress(String text, String field) {
    String hint = "give the BMC's base URL, e.g. https://10.0.40.12 or https://bmc-17.example:8443";
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw ApiException.invalidField(field, "not a URL: " + e.getReason() + "; " + hint);
    }
    String scheme = uri.getScheme();
    if (scheme != null && !scheme.equals(scheme.toLowerCase(Locale.ROOT))) {
      throw ApiException.invalidField(field, "write the scheme in lowercase: "
          + scheme.toLowerCase(Locale.ROOT) + text.substring(scheme.length()));
    }
    if (!"https".equals(scheme) && !"http".equals(scheme)) {
      throw ApiException.invalidField(field, "the scheme must be https" + (services.servers().allowHttp()
          ? " or http" : "") + "; " + hint);
    }
    if ("http".equals(scheme) && !services.servers().allowHttp()) {
      throw ApiException.invalidField(field, "plain http is not allowed for BMCs on this deployment "
          + "(servers.allowHttp); use https, with bmcTls to trust a self-signed certificate");
    }
    if (uri.getRawUserInfo() != null) {
      throw ApiException.invalidField(field, "no user info in the address: send the account in bmcCredentials");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw ApiException.invalidField(field, "the address names no host; " + hint);
    }
    String authority = uri.getRawAuthority();
    if (uri.getPort() == 0 || uri.getPort() > 65535 || authority != null && authority.endsWith(":")) {
      throw ApiException.invalidField(field, "the port must be 1 to 65535 (or left out for the scheme's own)");
    }
    String path = uri.getRawPath();
    if (path != null && !path.isEmpty() || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw ApiException.invalidField(field, "give the base URL only, without path, query or fragment (the Redfish "
          + "service root /redfish/v1 is found from it): " + scheme + "://" + uri.getRawAuthority());
    }
    return text;
  }

  private static Map<String, String> tags(JsonNode node) {
    Map<String, String> out = new LinkedHashMap<>();
    if (node != null && node.isObject()) {
      node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    }
    return out;
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body == null ? null : body.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  // ---------------------------------------------------------------- update

  private Future<Reply> update(Call call) {
    JsonNode patch = call.body();
    boolean bmcChange = patch.has("bmcAddress") || patch.has("bmcCredentials") || patch.has("bmcTls");
    String address = patch.hasNonNull("bmcAddress") ? bmcAddress(patch.get("bmcAddress").asText(), "bmcAddress") : null;
    CredentialCipher cipher = bmcChange ? cipher() : null;
    for (String f : new String[] {"bmcAddress", "bmcCredentials"}) {
      if (patch.has(f) && patch.get(f).isNull()) {
        throw ApiException.invalidField(f, f + " cannot be removed");
      }
    }
    JsonNode tlsPatch = patch.get("bmcTls");
    return change(call, Permissions.SERVERS_UPDATE, s -> {
      String displayName = ResourceOperations.merge(patch, "displayName", s.displayName());
      String description = ResourceOperations.merge(patch, "description", s.description());
      Map<String, String> tags = patch.has("tags") ? tags(patch.get("tags")) : s.tags();
      String persona = ResourceOperations.merge(patch, "persona", s.persona());
      Server.Bmc bmc = s.bmc();
      if (bmcChange) {
        if (s.state().working()) {
          throw ApiException.conflict("FAILED_PRECONDITION", "server '" + s.id() + "' is " + s.state().wire()
              + "; its BMC can change once the worker is done (or after abort)");
        }
        Tls tls = mergeTls(new Tls(bmc.certificateSha256(), bmc.insecure()), tlsPatch);
        bmc = new Server.Bmc(address != null ? address : bmc.address(),
            patch.has("bmcCredentials") ? seal(patch.get("bmcCredentials"), s.uid(), cipher) : bmc.sealedCredentials(),
            tls.pin(), tls.insecure());
      }
      if (java.util.Objects.equals(displayName, s.displayName()) && java.util.Objects.equals(description,
          s.description()) && tags.equals(s.tags()) && java.util.Objects.equals(persona, s.persona())
          && bmc.equals(s.bmc())) {
        return s;
      }
      return s.withMetadata(displayName, description, tags, persona, Clock.now()).withBmc(bmc);
    }, bmcChange).map(s -> reply(200, s));
  }

  // ---------------------------------------------------------------- actions

  private Future<Reply> provision(Call call) {
    JsonNode body = call.body();
    String image = text(body, "osImage");
    try {
      URI u = new URI(image);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        throw new URISyntaxException(image, "not an http(s) URL with a host");
      }
      if (u.getRawUserInfo() != null) {
        throw ApiException.invalidField("osImage", "no user info in osImage: the URL is shown in the server's status "
            + "and log; serve the image where the BMC can fetch it without credentials in the URL");
      }
    } catch (URISyntaxException e) {
      throw ApiException.invalidField("osImage", "osImage must be the http or https URL of the image to deploy, e.g. "
          + "https://images.example/ubuntu-24.04.iso");
    }
    JsonObject configuration = body.hasNonNull("configuration")
        ? new JsonObject(body.get("configuration").toString()) : new JsonObject();
    if (configuration.encode().length() > MAX_CONFIGURATION_BYTES) {
      throw ApiException.invalidField("configuration", "configuration may hold at most 64 KiB of JSON");
    }
    String jobId = "job-" + UUID.randomUUID();
    return change(call, Permissions.SERVERS_PROVISION, s -> {
      notInMaintenance(s, "provisioning it");
      Transition t = Transition.of(s.state(), ServerAction.PROVISION, null);
      Instant now = Clock.now();
      return s.apply(t, new Server.Provisioning(image, configuration, jobId), now);
    }).map(s -> new Reply(202, new JsonObject().put("jobId", jobId).put("status", "queued"),
        Map.of("Location", s.selfLink())));
  }

  private Future<Reply> action(Call call) {
    String name = call.ctx().pathParam("action");
    ServerAction action = ServerAction.byName(name);
    if (action == null || action == ServerAction.PROVISION || action == ServerAction.DELETE) {
      throw ApiException.invalidField("action", "unknown action '" + name + "'; one of "
          + String.join(", ", Arrays.stream(ServerAction.values())
              .filter(a -> a != ServerAction.PROVISION && a != ServerAction.DELETE).map(ServerAction::wire).toList())
          + " (provision: POST ...:provision; decommission: DELETE)");
    }
    String reason = call.text("reason");
    if (reason != null && action != ServerAction.SET_MAINTENANCE) {
      throw ApiException.invalidField("reason", "reason is for setMaintenance only");
    }
    String caller = call.principal() == null ? null : call.principal().subject();
    return change(call, Permissions.SERVERS_TRANSITION, s -> {
      Instant now = Clock.now();
      if (action.lifecycle()) {
        return notInMaintenance(s, action.wire()).apply(Transition.of(s.state(), action, caller), now);
      }
      if (action == ServerAction.CLEAR_MAINTENANCE) {
        return s.maintenance().on()
            ? s.withStatus(s.power(), Server.Maintenance.OFF, s.health(), s.lastError(), now) : s;
      }
      if (s.state().working()) {
        throw ApiException.conflict("FAILED_PRECONDITION", "server '" + s.id() + "' is " + s.state().wire()
            + "; " + action.wire() + " waits until the worker is done (or abort it)");
      }
      if (action == ServerAction.SET_MAINTENANCE) {
        return s.withStatus(s.power(), new Server.Maintenance(true, reason), s.health(), s.lastError(), now);
      }
      if (s.maintenance().on()) {
        throw ApiException.conflict("FAILED_PRECONDITION", "server '" + s.id() + "' is in maintenance ("
            + s.maintenance().reason() + "); clearMaintenance first");
      }
      Server.PowerRequest request = switch (action) {
        case POWER_ON -> Server.PowerRequest.ON;
        case POWER_OFF -> Server.PowerRequest.OFF;
        default -> Server.PowerRequest.REBOOT;
      };
      return s.withStatus(new Server.Power(s.power().observed(), request), s.maintenance(), s.health(),
          s.lastError(), now);
    }).map(s -> reply(200, s));
  }

  // ---------------------------------------------------------------- logs

  private Future<Reply> logs(Call call) {
    Instant start = ResourceOperations.time(call, "startTime");
    Instant end = ResourceOperations.time(call, "endTime");
    if (start != null && end != null && !start.isBefore(end)) {
      throw ApiException.invalidField("endTime", "endTime must be after startTime");
    }
    int size = DEFAULT_LOG_PAGE;
    String sizeText = call.query("pageSize");
    if (sizeText != null) {
      try {
        size = Integer.parseInt(sizeText);
      } catch (NumberFormatException e) {
        size = -1;
      }
      if (size < 1 || size > MAX_LOG_PAGE) {
        throw ApiException.invalidField("pageSize", "pageSize must be an integer from 1 to " + MAX_LOG_PAGE);
      }
    }
    int limit = size;
    return one(call, Permissions.SERVERS_READ_LOGS).compose(o -> {
      Server s = o.item();
      String scope = "serverLogs?uid=" + s.uid() + "&start=" + start + "&end=" + end;
      String token = call.query("pageToken");
      long after = 0;
      if (token != null && !token.isEmpty()) {
        PageCursor c = services.pageTokens().decode(token, scope);
        try {
          after = Long.parseLong(c.id());
        } catch (NumberFormatException e) {
          throw ApiException.invalidField("pageToken", "pageToken is not one of this list's");
        }
      }
      return store.logs(s.uid(), start, end, after, limit).map(page -> {
        JsonArray out = new JsonArray();
        for (ServerLogEntry e : page.items()) {
          JsonObject o2 = new JsonObject().put("timestamp", DateTimeFormatter.ISO_INSTANT.format(e.at()))
              .put("severity", e.severity().wire()).put("message", e.message());
          if (e.jobId() != null) {
            o2.put("jobId", e.jobId());
          }
          out.add(o2);
        }
        JsonObject body = new JsonObject().put("logs", out);
        if (page.next() != null) {
          // the cursor is the last entry's seq; page tokens carry a time, unused here
          body.put("nextPageToken", services.pageTokens().encode(new PageCursor(Instant.EPOCH, page.next().id()), scope));
        }
        return Reply.ok(body);
      });
    });
  }

  // ---------------------------------------------------------------- rendering

  private static Reply reply(int status, Server s) {
    return new Reply(status, json(s), Map.of("ETag", s.etag()));
  }

  /** The server as the API shows it; never its credentials. */
  public static JsonObject json(Server s) {
    JsonObject o = new JsonObject().put("selfLink", s.selfLink()).put("uid", s.uid().toString()).put("id", s.id());
    ResourceOperations.names(o, s.displayName(), s.description());
    if (s.hardware() != null) {
      o.put("hardwareSpecs", s.hardware());
    }
    if (s.bmc() != null) { // the API always sets one; a row written past it must still render (its events)
      o.put("bmcAddress", s.bmc().address());
      if (s.bmc().certificateSha256() != null || s.bmc().insecure()) {
        JsonObject tls = new JsonObject().put("insecure", s.bmc().insecure());
        if (s.bmc().certificateSha256() != null) {
          tls.put("certificateSha256", s.bmc().certificateSha256());
        }
        o.put("bmcTls", tls);
      }
    }
    o.put("provisioningState", s.state().provisioningState());
    JsonObject status = new JsonObject().put("state", s.state().wire()).put("step", s.step())
        .put("allowedActions", new JsonArray(allowed(s)))
        .put("stateChangedAt", DateTimeFormatter.ISO_INSTANT.format(s.stateChangedAt()))
        .put("powerState", s.power().observed())
        .put("targetPowerState", s.power().requested() == null ? null : s.power().requested().target())
        .put("maintenance", s.maintenance().on()).put("maintenanceReason", s.maintenance().reason())
        .put("lastError", s.lastError())
        .put("jobId", s.provisioning() == null ? null : s.provisioning().jobId())
        .put("osImage", s.provisioning() == null ? null : s.provisioning().osImage());
    o.put("provisionStatus", status);
    if (s.health().status() != null) {
      JsonObject h = new JsonObject().put("status", s.health().status())
          .put("failureReasons", new JsonArray(s.health().failureReasons()));
      if (s.health().lastCheckTime() != null) {
        h.put("lastCheckTime", DateTimeFormatter.ISO_INSTANT.format(s.health().lastCheckTime()));
      }
      o.put("healthStatus", h);
    }
    o.put("tags", new JsonObject(new LinkedHashMap<String, Object>(s.tags())));
    if (s.persona() != null) {
      o.put("persona", s.persona());
    }
    return o.put("createdAt", DateTimeFormatter.ISO_INSTANT.format(s.createdAt()))
        .put("updatedAt", DateTimeFormatter.ISO_INSTANT.format(s.updatedAt()))
        .put("etag", s.etag());
  }

  /** What an operator may do now: the state's lifecycle actions, and power or maintenance where allowed. */
  private static List<String> allowed(Server s) {
    List<String> out = new ArrayList<>();
    if (!s.maintenance().on() && s.power().requested() == null) {
      for (ServerAction a : s.state().actions()) {
        out.add(a.wire());
      }
    }
    if (!s.state().working()) {
      if (!s.maintenance().on()) {
        out.addAll(List.of(ServerAction.POWER_ON.wire(), ServerAction.POWER_OFF.wire(), ServerAction.REBOOT.wire(),
            ServerAction.SET_MAINTENANCE.wire()));
      } else {
        out.add(ServerAction.CLEAR_MAINTENANCE.wire());
      }
    }
    if (s.state() == ServerState.DELETING) {
      out.clear();
    }
    return out;
  }
}
