package io.k0rdent.api.verticles.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds {@link Settings}: class-path defaults, then the YAML file (unknown keys are an error), then
 * environment variables {@code K0RDENT_<PATH>} ({@code http.arcPort} → {@code K0RDENT_HTTP_ARC_PORT}),
 * then explicit overrides (command-line flags) by dotted key. Errors are {@link ConfigException}s whose
 * message names the key.
 *
 * <p>A list key ({@code bootstrap.users}) is replaced whole by each layer: a YAML list in the file, YAML or
 * JSON text in its environment variable or override (e.g. {@code K0RDENT_BOOTSTRAP_USERS='[{id: ann, ...}]'}).
 * Its entries are checked here, each error naming {@code bootstrap.users[i].field}; what needs the store
 * (the organization and custom roles exist) is checked when the node seeds them.
 */
public final class ConfigLoader {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** A configuration that cannot be used; the message names the key or file. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }

  private ConfigLoader() {}

  /**
   * @param file      YAML file, or null
   * @param env       the environment (normally {@code System.getenv()}); empty values count as unset
   * @param overrides dotted key → value (e.g. {@code http.arcPort → 0}); null values are ignored
   */
  public static Settings load(Path file, Map<String, String> env, Map<String, Object> overrides) {
    return load(Map.of(), file, env, overrides);
  }

  /**
   * As {@link #load(Path, Map, Map)}, with {@code modeDefaults} (dotted key → value) replacing the
   * class-path defaults before the file is read: a mode's own defaults, such as dev's loopback binding.
   */
  public static Settings load(Map<String, Object> modeDefaults, Path file, Map<String, String> env,
                              Map<String, Object> overrides) {
    ObjectNode tree = defaults();
    modeDefaults.forEach((k, v) -> set(tree, k, v));
    if (file != null) {
      JsonNode fromFile;
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("configuration file " + file + " does not exist or is not a file");
      }
      try {
        fromFile = YAML.readTree(Files.readString(file));
      } catch (IOException e) {
        throw new ConfigException("cannot read configuration file " + file + ": "
            + e.getMessage().split("\n", 2)[0]);
      }
      if (fromFile != null && !fromFile.isMissingNode() && !fromFile.isNull()) {
        if (!fromFile.isObject()) {
          throw new ConfigException("configuration file " + file + " must hold a YAML mapping");
        }
        merge(tree, (ObjectNode) fromFile, "");
      }
    }
    for (String key : leafKeys(tree, "")) {
      String value = env.get(envName(key));
      if (value != null && !value.isEmpty()) {
        set(tree, key, value);
      }
    }
    overrides.forEach((k, v) -> {
      if (v != null) {
        set(tree, k, v);
      }
    });
    // checked after the keys they default from (bootstrap.organizationId), with errors naming each entry
    JsonNode usersNode = ((ObjectNode) tree.get("bootstrap")).remove("users");
    Settings s;
    try {
      s = YAML.treeToValue(tree, Settings.class);
    } catch (IOException e) {
      throw new ConfigException("invalid configuration: " + e.getMessage().split("\n", 2)[0]);
    }
    check(s.http().arcPort() >= 0 && s.http().arcPort() <= 65535, "http.arcPort must be 0..65535");
    check(s.http().atlasPort() >= 0 && s.http().atlasPort() <= 65535, "http.atlasPort must be 0..65535");
    check(s.http().managementPort() >= 0 && s.http().managementPort() <= 65535,
        "http.managementPort must be 0..65535");
    check(s.http().instances() >= 0, "http.instances must be 0 (one per core) or more");
    check(s.http().bodyLimitBytes() > 0, "http.bodyLimitBytes must be positive");
    check(s.http().shutdownTimeoutSeconds() >= 0, "http.shutdownTimeoutSeconds must not be negative");
    check(s.database().poolSize() > 0, "database.poolSize must be positive");
    check(s.database().url() == null || s.database().url().isBlank() || isPostgresUrl(s.database().url()),
        "database.url must look like postgresql://user:password@host:5432/database");
    check(s.auth().tokenTtlSeconds() > 0, "auth.tokenTtlSeconds must be positive");
    check(s.hazelcast().effectiveBindAddress() != null, "hazelcast.bindAddress must name this node's private "
        + "interface when hazelcast.members is set: Hazelcast's port has no authentication, so it must only be "
        + "reachable from the other nodes (firewall it to them)");
    check(s.auth().credentialMaxLifetimeDays() > 0, "auth.credentialMaxLifetimeDays must be positive");
    check(s.auth().apiKeyMaxLifetimeDays() > 0, "auth.apiKeyMaxLifetimeDays must be positive");
    check(s.auth().rateLimitPerClient() >= 0, "auth.rateLimitPerClient must be 0 (off) or more");
    check(s.auth().rateLimitPerAddress() >= 0, "auth.rateLimitPerAddress must be 0 (off) or more");
    check(s.auth().rateLimitFailuresPerAddress() >= 0, "auth.rateLimitFailuresPerAddress must be 0 (off) or more");
    check(io.k0rdent.api.core.resource.Slugs.isValid(s.bootstrap().organizationId()),
        "bootstrap.organizationId must be a slug");
    check(s.bootstrap().clientId() == null || CLIENT_ID.matcher(s.bootstrap().clientId()).matches(),
        "bootstrap.clientId must be 1 to 255 characters of A-Z a-z 0-9 . _ ~ @ -");
    check(s.bootstrap().clientSecret() == null || CLIENT_SECRET.matcher(s.bootstrap().clientSecret()).matches(),
        "bootstrap.clientSecret must be 32 to 512 characters of A-Z a-z 0-9 . _ ~ - (URL-safe, so HTTP Basic "
            + "and form bodies need no escaping); generate one with: openssl rand -base64 48 | tr '+/' '-_' | tr -d =");
    check(io.k0rdent.api.core.resource.Slugs.isValid(s.region().name()),
        "region.name must be a slug (lowercase letters, digits and hyphens, e.g. us-texas-1)");
    check(!"global".equals(s.region().name()), "region.name cannot be 'global' (/v1/regions/global is the "
        + "global API)");
    Settings.Bootstrap b = s.bootstrap();
    return new Settings(s.http(), s.database(), s.auth(),
        new Settings.Bootstrap(b.organizationId(), b.clientId(), b.clientSecret(), users(usersNode, b.organizationId())),
        new Settings.Region(s.region().name(), pools(s.region().addressPools(), rules(s.ipam()))), s.ipam(),
        servers(s.servers()), events(s.events()), s.hazelcast());
  }

  /** Longest {@code events.retentionDays}: a century (so the cut-off stays a representable instant). */
  static final int MAX_RETENTION_DAYS = 36_500;

  /** {@code events}, checked: a legal Kafka topic name, a retention of 0 (forever) to a century, a positive interval. */
  private static Settings.Events events(Settings.Events e) {
    check(e.topic() != null && e.topic().matches("[a-zA-Z0-9._-]{1,249}") && !e.topic().equals(".")
        && !e.topic().equals(".."), "events.topic must be 1 to 249 characters of a-z A-Z 0-9 . _ - (a Kafka topic name)");
    check(e.retentionDays() >= 0 && e.retentionDays() <= MAX_RETENTION_DAYS, "events.retentionDays must be 0 (keep "
        + "events forever) to " + MAX_RETENTION_DAYS);
    check(e.purgeIntervalSeconds() >= 1, "events.purgeIntervalSeconds must be 1 or more");
    return e;
  }

  /** {@code servers}, checked: a usable credential key, positive timings. */
  private static Settings.Servers servers(Settings.Servers v) {
    if (v.credentialKey() != null && !v.credentialKey().isBlank()) {
      try {
        io.k0rdent.api.core.server.CredentialCipher.fromBase64(v.credentialKey());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("servers.credentialKey must be 32 random bytes as base64url; generate one with: "
            + "openssl rand -base64 32 | tr '+/' '-_' | tr -d =");
      }
    }
    check(v.workerInstances() >= 0, "servers.workerInstances must be 0 (no workers on this node) or more");
    check(v.leaseSeconds() >= 2, "servers.leaseSeconds must be 2 or more");
    check(v.scanIntervalMillis() >= 10, "servers.scanIntervalMillis must be 10 or more");
    check(v.phaseRetries() >= 0, "servers.phaseRetries must be 0 or more");
    check(v.bmcRequestTimeoutSeconds() > 0, "servers.bmcRequestTimeoutSeconds must be positive");
    check(v.bmcPollIntervalMillis() >= 10, "servers.bmcPollIntervalMillis must be 10 or more");
    check(v.bmcPowerTimeoutSeconds() > 0, "servers.bmcPowerTimeoutSeconds must be positive");
    check(v.bmcTaskTimeoutSeconds() > 0, "servers.bmcTaskTimeoutSeconds must be positive");
    check(v.bmcRetries() >= 0, "servers.bmcRetries must be 0 or more");
    return v;
  }

  /** The rules of {@code ipam}: every network range a canonical CIDR block, at least one. */
  private static io.k0rdent.api.core.ipam.CidrRules rules(Settings.Ipam ipam) {
    check(!ipam.networkRanges().isEmpty(), "ipam.networkRanges must list at least one CIDR block");
    check(ipam.externalAddressesPerProject() >= 0, "ipam.externalAddressesPerProject must be 0 (no limit) or more");
    try {
      return io.k0rdent.api.core.ipam.CidrRules.of(ipam.networkRanges());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /**
   * {@code region.addressPools}: ids slugs and unique, blocks as {@code createAddressPool} accepts them under
   * {@code rules} (never inside the tenants' network ranges).
   */
  private static List<Settings.AddressPool> pools(List<Settings.AddressPool> pools,
                                                  io.k0rdent.api.core.ipam.CidrRules rules) {
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < pools.size(); i++) {
      Settings.AddressPool p = pools.get(i);
      String at = "region.addressPools[" + i + "]";
      check(p != null, at + " must be a mapping {id, cidr, displayName}");
      check(io.k0rdent.api.core.resource.Slugs.isValid(p.id()), at + ".id must be a slug");
      check(ids.add(p.id()), at + ".id: pool '" + p.id() + "' is listed twice");
      inet.ipaddr.IPAddress block;
      try {
        block = rules.pool("cidr", p.cidr());
      } catch (io.k0rdent.api.core.error.ApiException e) {
        throw new ConfigException(at + ".cidr: " + e.getMessage());
      }
      for (int j = 0; j < i; j++) {
        inet.ipaddr.IPAddress other = new inet.ipaddr.IPAddressString(pools.get(j).cidr()).getAddress();
        check(other.getIPVersion() != block.getIPVersion() || !(other.contains(block) || block.contains(other)),
            at + ".cidr: " + p.cidr() + " overlaps region.addressPools[" + j + "] (" + pools.get(j).cidr()
                + "); pools of a region must not overlap");
      }
    }
    return pools;
  }

  /** The keys of a {@code bootstrap.users} entry. */
  private static final List<String> USER_KEYS = List.of("id", "email", "displayName", "organizationId", "roles");

  /**
   * The {@code bootstrap.users} entries: each a mapping of {@link #USER_KEYS} (others are refused) whose
   * {@code id}, {@code email}, {@code displayName} and {@code organizationId} (default {@code defaultOrg})
   * satisfy what {@code createUser} accepts (its request schema, not a copy of it), whose roles are role ids
   * (never {@code platform-admin}: these are organization-level bindings), with ids unique and emails unique
   * within an organization.
   */
  private static List<Settings.User> users(JsonNode node, String defaultOrg) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new ConfigException("bootstrap.users must be a list of users, each {id, email, displayName, "
          + "organizationId, roles}");
    }
    if (node.isEmpty()) {
      return List.of();
    }
    io.k0rdent.api.router.BodyValidator schema = io.k0rdent.api.router.BodyValidator.create(
        io.k0rdent.api.router.ApiDocument.load(), "UserCreateRequest");
    List<Settings.User> users = new ArrayList<>();
    Map<String, String> ids = new java.util.HashMap<>();
    Map<String, String> emails = new java.util.HashMap<>();
    for (int i = 0; i < node.size(); i++) {
      String at = "bootstrap.users[" + i + "]";
      JsonNode e = node.get(i);
      if (!e.isObject()) {
        throw new ConfigException(at + " must be a mapping with id, email, displayName and optionally "
            + "organizationId and roles");
      }
      e.fieldNames().forEachRemaining(name -> {
        if (!USER_KEYS.contains(name)) {
          throw new ConfigException("unknown configuration key '" + at + "." + name + "' (a user has "
              + String.join(", ", USER_KEYS) + ")");
        }
      });
      String id = userText(e, at, "id", true);
      String email = userText(e, at, "email", true);
      String displayName = userText(e, at, "displayName", true);
      String org = userText(e, at, "organizationId", false);
      org = org == null ? defaultOrg : org;
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("id", id).put("organizationId", org)
          .put("email", email).put("displayName", displayName);
      try {
        schema.validate(body);
      } catch (io.k0rdent.api.core.error.ApiException x) {
        throw new ConfigException(at + "." + violation(x));
      }
      if ("profile".equals(id)) {
        throw new ConfigException(at + ".id: 'profile' is reserved (/iam/users/profile is the caller's own profile)");
      }
      List<String> roles = userRoles(e.get("roles"), at);
      String other = ids.putIfAbsent(id, at);
      if (other != null) {
        throw new ConfigException(at + ".id: user '" + id + "' is already listed as " + other);
      }
      other = emails.putIfAbsent(org + " " + io.k0rdent.api.core.resource.User.emailKey(email), at);
      if (other != null) {
        throw new ConfigException(at + ".email: " + other + " has the same email in organization '" + org
            + "' (emails are unique in an organization, compared without regard to case)");
      }
      users.add(new Settings.User(id, email, displayName, org, roles));
    }
    return List.copyOf(users);
  }

  private static String userText(JsonNode entry, String at, String key, boolean required) {
    JsonNode v = entry.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw new ConfigException(at + "." + key + " is required");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new ConfigException(at + "." + key + " must be a string");
    }
    return v.textValue();
  }

  /** {@code field: why} of the first field a validation failure names ({@code id}, {@code email}, ...). */
  private static String violation(io.k0rdent.api.core.error.ApiException x) {
    for (Map<String, Object> d : x.details()) {
      if (d.get("fieldViolations") instanceof List<?> fv && !fv.isEmpty() && fv.get(0) instanceof Map<?, ?> m
          && m.get("field") != null) {
        String field = m.get("field").toString();
        String why = String.valueOf(m.get("description"));
        return field + ": " + (why.startsWith(field + ": ") ? why.substring(field.length() + 2) : why);
      }
    }
    return "id: " + x.getMessage();
  }

  private static List<String> userRoles(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new ConfigException(at + ".roles must be a list of role ids");
    }
    java.util.LinkedHashSet<String> roles = new java.util.LinkedHashSet<>();
    for (int j = 0; j < node.size(); j++) {
      String where = at + ".roles[" + j + "]";
      JsonNode r = node.get(j);
      if (!r.isTextual() || !io.k0rdent.api.core.resource.Slugs.isValid(r.textValue())) {
        throw new ConfigException(where + " must be a role id (a predefined role such as org-viewer, or a "
            + "custom role of the user's organization)");
      }
      if (io.k0rdent.api.core.auth.policy.PredefinedRoles.PLATFORM_ADMIN.equals(r.textValue())) {
        throw new ConfigException(where + ": platform-admin is bound at platform scope only; bootstrap.users "
            + "get bindings at their organization");
      }
      roles.add(r.textValue());
    }
    return List.copyOf(roles);
  }

  /** A configured bootstrap client id: unreserved URL characters plus {@code @}. */
  private static final java.util.regex.Pattern CLIENT_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._~@-]{1,255}");
  /** A configured bootstrap secret: at least 32 unreserved URL characters (≥ 190 bits if random). */
  private static final java.util.regex.Pattern CLIENT_SECRET = java.util.regex.Pattern.compile("[A-Za-z0-9._~-]{32,512}");

  /**
   * Environment variables that look like ours ({@code K0RDENT_*}) but name no key; the launcher warns
   * about them. {@code K0RDENT_LOG_LEVEL} and {@code K0RDENT_TEST_*} are known.
   */
  public static List<String> unknownEnvironment(Map<String, String> env) {
    java.util.Set<String> known = new java.util.HashSet<>();
    keys().forEach(k -> known.add(envName(k)));
    known.add("K0RDENT_LOG_LEVEL");
    return env.keySet().stream()
        .filter(n -> n.startsWith("K0RDENT_") && !known.contains(n) && !n.startsWith("K0RDENT_TEST_"))
        .sorted().toList();
  }

  private static boolean isPostgresUrl(String url) {
    try {
      java.net.URI u = new java.net.URI(url);
      return ("postgresql".equals(u.getScheme()) || "postgres".equals(u.getScheme())) && u.getHost() != null
          && u.getPort() <= 65535 && u.getPath() != null && u.getPath().length() > 1;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new ConfigException(message);
    }
  }

  /** {@code http.arcPort} → {@code K0RDENT_HTTP_ARC_PORT}. */
  public static String envName(String key) {
    return "K0RDENT_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  /** Every configuration key, dotted. */
  public static List<String> keys() {
    return leafKeys(defaults(), "");
  }

  private static ObjectNode defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/k0rdent-defaults.yaml")) {
      return (ObjectNode) YAML.readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException("k0rdent-defaults.yaml is unreadable", e);
    }
  }

  private static void merge(ObjectNode into, ObjectNode from, String prefix) {
    Iterator<Map.Entry<String, JsonNode>> it = from.fields();
    while (it.hasNext()) {
      var e = it.next();
      String key = prefix + e.getKey();
      JsonNode existing = into.get(e.getKey());
      if (existing == null) {
        throw new ConfigException("unknown configuration key '" + key + "'");
      }
      if (existing.isObject()) {
        if (!e.getValue().isObject()) {
          throw new ConfigException("configuration key '" + key + "' must be a mapping");
        }
        merge((ObjectNode) existing, (ObjectNode) e.getValue(), key + ".");
      } else if (existing.isArray()) {
        into.set(e.getKey(), list(key, e.getValue()));
      } else {
        into.set(e.getKey(), e.getValue());
      }
    }
  }

  private static List<String> leafKeys(ObjectNode node, String prefix) {
    List<String> keys = new ArrayList<>();
    node.fields().forEachRemaining(e -> {
      if (e.getValue().isObject()) {
        keys.addAll(leafKeys((ObjectNode) e.getValue(), prefix + e.getKey() + "."));
      } else {
        keys.add(prefix + e.getKey());
      }
    });
    return keys;
  }

  /** A list key's value: a list (null = empty), else an error naming the key. */
  private static JsonNode list(String key, JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return JsonNodeFactory.instance.arrayNode();
    }
    if (!value.isArray()) {
      throw new ConfigException("configuration key '" + key + "' must be a list");
    }
    return value;
  }

  /**
   * Sets {@code key} to {@code value}: text for a scalar key; for a list key, YAML or JSON text (an
   * environment variable, a flag) or a {@link java.util.Collection}.
   */
  private static void set(ObjectNode tree, String key, Object value) {
    String[] parts = key.split("\\.");
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = node.get(parts[i]);
      if (!(child instanceof ObjectNode o)) {
        throw new ConfigException("unknown configuration key '" + key + "'");
      }
      node = o;
    }
    String leaf = parts[parts.length - 1];
    if (!node.has(leaf)) {
      throw new ConfigException("unknown configuration key '" + key + "'");
    }
    if (node.get(leaf).isArray()) {
      JsonNode parsed;
      if (value instanceof String text) {
        try {
          parsed = text.isBlank() ? null : YAML.readTree(text);
        } catch (IOException e) {
          throw new ConfigException("configuration key '" + key + "' (" + envName(key) + ") must be a YAML or "
              + "JSON list: " + e.getMessage().split("\n", 2)[0]);
        }
      } else {
        parsed = YAML.valueToTree(value);
      }
      node.set(leaf, list(key, parsed));
      return;
    }
    node.set(leaf, JsonNodeFactory.instance.textNode(value.toString()));
  }
}
