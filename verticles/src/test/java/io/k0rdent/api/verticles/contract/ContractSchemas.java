package io.k0rdent.api.verticles.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates our HTTP response bodies against <em>strict</em> versions of the upstream draft contract's
 * response schemas ({@code shared/reference/k0rdent-openapi.bundled.yaml}, OpenAPI 3.1).
 *
 * <p>The contract's schemas mark few fields required and leave objects open to any extra property,
 * so a body that validates against them proves little. This class derives, once per contract, a JSON
 * Schema 2020-12 document per (operation, status) that closes every object and requires what we promise
 * to send, and validates with networknt's json-schema-validator with format assertions turned on.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * static final ContractSchemas CONTRACT = ContractSchemas.load();
 * ...
 * CONTRACT.assertValid("createOrganization", 201, response.bodyAsString());
 * List<String> problems = CONTRACT.violations("getOrganization", 404, body);
 * }</pre>
 * An unknown {@code operationId}, or a status the operation does not declare, is an
 * {@link IllegalArgumentException} (a bug in the test, not in the server).
 *
 * <h2>How the strict schema is derived</h2>
 * The contract's {@code components.schemas} become {@code $defs} of one 2020-12 document
 * ({@code #/components/schemas/X} is rewritten to {@code #/$defs/X}); the response schema of the
 * operation (following {@code $ref}s into {@code components.responses}) becomes the root. Applied
 * recursively to every schema reached (through {@code $ref}, {@code properties}, {@code items},
 * {@code allOf}, {@code oneOf}, {@code anyOf}, {@code additionalProperties}, ...):
 * <ol>
 *   <li><b>Closed objects.</b> An object schema that declares properties gets
 *       {@code additionalProperties: false}. Left open: an object schema that declares
 *       {@code additionalProperties} or {@code unevaluatedProperties} itself, and a free-form map
 *       ({@code type: object} without properties, such as the items of {@code Error.error.details}).</li>
 *   <li><b>Compositions.</b> The OpenAPI "extends" idiom, an {@code allOf} of plain object schemas (or a
 *       {@code $ref} next to own properties), is merged into one object schema (properties and
 *       {@code required} united), which then closes as above: {@code createApiKey 201} is {@code ApiKey}
 *       plus {@code secret} and nothing else. A composition that cannot be merged (a member with
 *       {@code oneOf}, its own example, ...), or own properties next to {@code oneOf}/{@code anyOf}, closes
 *       with {@code unevaluatedProperties: false} instead, its members left open (a component used as a
 *       member is referenced through an open copy, {@code #/$defs/X_open}); the complaints such a closing
 *       echoes when a member fails are dropped from the report. {@code oneOf}/{@code anyOf} alternatives
 *       without sibling properties are each closed.</li>
 *   <li><b>Required from examples.</b> Every declared property that appears in an object schema's own
 *       {@code example}/{@code examples} or in the operation's response {@code example}/{@code examples}
 *       (media type level, including {@code components.examples} references) is added to
 *       {@code required}, recursively into nested values. Example keys that are not declared properties
 *       are ignored and reported in {@link #notes()}. Without examples the contract's own
 *       {@code required} list stays as it is. (A property's own scalar {@code example}, such as
 *       {@code selfLink}'s, says what a value looks like, not that it is present, and adds nothing.)</li>
 *   <li><b>Our rules</b> ({@link Rules#ours()}): documented extensions (properties we return beyond the
 *       contract, ARCHITECTURE.md §1) are added to the schema's properties; the always-present lists are
 *       added to {@code required}; documented extra error statuses are answered with the {@code Error}
 *       schema.</li>
 *   <li><b>OpenAPI 3.1 specifics.</b> {@code example}, {@code discriminator}, {@code xml},
 *       {@code externalDocs} and {@code x-*} keywords are dropped; {@code readOnly} stays an annotation
 *       (readOnly properties are expected in responses); a {@code writeOnly} property becomes
 *       {@code false} (it must never appear in a response) and is removed from {@code required};
 *       {@code nullable: true} (3.0 only) becomes a {@code "null"} type; {@code format} is asserted
 *       ({@code uuid}, {@code date-time}, {@code email}, ...), except that {@code format: uri} is relaxed
 *       to {@code uri-reference} because every {@code selfLink} and resource URI in the contract is a
 *       relative reference (see {@link #notes()}).</li>
 * </ol>
 * {@link #strictSchema(String, int)} shows the derived document.
 *
 * <h2>Where the contract is</h2>
 * {@link #locateContract()}: {@code <k0rdent.shared.dir>/reference/k0rdent-openapi.bundled.yaml} (surefire
 * sets the system property to {@code ${maven.multiModuleProjectDirectory}/../shared}); otherwise the
 * first {@code shared/reference/k0rdent-openapi.bundled.yaml} found walking up from the working directory.
 *
 * <p>Instances are immutable after {@link #load()} and safe to share between tests and threads.
 */
public final class ContractSchemas {

  /** System property naming the shared directory (the parent pom sets it for surefire). */
  public static final String SHARED_DIR_PROPERTY = "k0rdent.shared.dir";
  /** The contract, relative to the shared directory. */
  public static final String CONTRACT_PATH = "reference/k0rdent-openapi.bundled.yaml";

  private static final String DEFS = "#/$defs/";
  private static final String SCHEMA_REF_PREFIX = "#/components/schemas/";
  private static final String OPEN_SUFFIX = "_open";
  private static final String UNEVALUATED = "unevaluatedProperties";
  private static final List<String> HTTP_METHODS =
      List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  /** OpenAPI keywords that are not JSON Schema 2020-12 keywords (or only annotations we do not want). */
  private static final Set<String> DROPPED_KEYWORDS =
      Set.of("example", "examples", "discriminator", "xml", "externalDocs", "nullable");
  /** Keywords whose value is one subschema. */
  private static final Set<String> SUBSCHEMA_KEYWORDS = Set.of("items", "additionalItems", "contains", "not",
      "if", "then", "else", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "additionalProperties",
      "contentSchema");
  /** Keywords a member of an {@code allOf} may have and still be merged into its composition. */
  private static final Set<String> FLATTENABLE_KEYWORDS =
      Set.of("properties", "required", "description", "title", "readOnly", "deprecated", "$comment");
  /** Keywords whose value is a map of subschemas (other than {@code properties}). */
  private static final Set<String> SUBSCHEMA_MAP_KEYWORDS = Set.of("patternProperties", "dependentSchemas");

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /**
   * What we return beyond, or more firmly than, the contract: one place, passed to {@link #load(Path, Rules)}.
   *
   * <p>Locations (the keys of every map but the last) name an object schema in the contract:
   * {@code "Organization"} is {@code components.schemas.Organization}; {@code "listProjects:200"} is the
   * inline response schema of operation {@code listProjects}, status 200; {@code "/name"} segments
   * descend into an inline property schema (through {@code items} for arrays), e.g.
   * {@code "Error/error"}. A location that is (or passes through) a {@code $ref} is rejected: put the
   * rule on the referenced component.
   *
   * @param extensions location → property name → the property's JSON Schema as JSON text: properties we
   *     are allowed to return beyond the contract (documented extensions). If the contract already
   *     declares the property, the contract's definition wins and a note is recorded.
   * @param alwaysPresent location → properties our server always returns; added to {@code required}.
   *     Each must be declared by the contract or an extension, otherwise loading fails.
   * @param extraErrorStatuses operationId → statuses we answer although the contract does not declare
   *     them; their body is the contract's {@code Error} schema. A status the contract already declares
   *     is left as the contract says, with a note.
   */
  public record Rules(Map<String, Map<String, String>> extensions,
                      Map<String, List<String>> alwaysPresent,
                      Map<String, Set<Integer>> extraErrorStatuses) {

    private static final String STRING = "{\"type\":\"string\",\"readOnly\":true}";
    private static final String DATE_TIME = "{\"type\":\"string\",\"format\":\"date-time\",\"readOnly\":true}";

    public Rules {
      extensions = copyOf(extensions);
      alwaysPresent = Collections.unmodifiableMap(new TreeMap<>(alwaysPresent));
      extraErrorStatuses = Collections.unmodifiableMap(new TreeMap<>(extraErrorStatuses));
    }

    /** No extensions, nothing added to {@code required}, no extra statuses: the contract, only closed. */
    public static Rules none() {
      return new Rules(Map.of(), Map.of(), Map.of());
    }

    /**
     * Our documented deviations (ARCHITECTURE.md §1):
     * <ul>
     *   <li>extensions: {@code Organization} gains {@code createdAt}, {@code updatedAt} (date-time) and
     *       {@code etag}; {@code Project} gains {@code etag};</li>
     *   <li>always present: {@code Organization}: selfLink, uid, id, createdAt, updatedAt, etag;
     *       {@code Project}: selfLink, uid, id, organizationId, createdAt, updatedAt, etag;
     *       the error envelope {@code error} with its {@code code} and {@code message}; the item array of
     *       {@code listOrganizations}/{@code listProjects} ({@code nextPageToken} is absent on the last
     *       page);</li>
     *   <li>IAM: {@code ServiceAccount} and {@code ApiKey} gain {@code organizationId} and {@code etag};
     *       an active introspection answer gains {@code client_id} (RFC 9068) and {@code token_type}
     *       (RFC 7662); what we always send of them and of {@code ServiceAccountCredential};</li>
     *   <li>users and groups: {@code User} and {@code Group} gain {@code organizationId} and {@code etag};
     *       what we always send of them (a group's {@code memberCount} too) and of {@code GroupMember};</li>
     *   <li>servers: {@code hardwareSpecs} gains {@code nics} ({@code id}, lowercase colon {@code macAddress},
     *       {@code speedMbps}) and {@code disks} ({@code id}, {@code model}, {@code capacityBytes},
     *       {@code mediaType}), null members left out;</li>
     *   <li>IPAM: {@code Network} and {@code Subnet} gain {@code etag}, {@code Address} {@code updatedAt},
     *       {@code etag} and {@code addressPool}; what we always send of them; 404 (unknown region or project),
     *       409 (overlap, in use, exhausted, dependants), 412 and 422 where the operations can answer them;</li>
     *   <li>extra error statuses (docs/spec-deviations.md): 409 (duplicate id, or an organization with
     *       projects), 413, 415 and 422 (Idempotency-Key reused) on the creates, 412 ({@code If-Match}
     *       mismatch) on updates and deletes, 400 (bad {@code pageSize} or {@code pageToken}) on lists.</li>
     * </ul>
     */
    public static Rules ours() {
      Map<String, Map<String, String>> ext = new LinkedHashMap<>();
      ext.put("Organization", ordered("createdAt", DATE_TIME, "updatedAt", DATE_TIME, "etag", STRING));
      ext.put("Project", ordered("etag", STRING));
      ext.put("ServiceAccount", ordered("organizationId", STRING, "etag", STRING));
      ext.put("User", ordered("organizationId", STRING, "etag", STRING));
      ext.put("Group", ordered("organizationId", STRING, "etag", STRING));
      ext.put("ApiKey", ordered("organizationId", STRING, "etag", STRING));
      ext.put("Role", ordered("organizationId", STRING, "predefined", "{\"type\":\"boolean\"}", "etag", STRING));
      ext.put("Policy", ordered("organizationId", STRING, "effect", "{\"type\":\"string\",\"enum\":[\"allow\",\"deny\"]}",
          "etag", STRING));
      ext.put("ActiveIntrospectionResponse", ordered("client_id", STRING, "token_type", STRING));
      ext.put("Network", ordered("etag", STRING));
      ext.put("Subnet", ordered("etag", STRING));
      ext.put("Address", ordered("updatedAt", DATE_TIME, "etag", STRING, "addressPool", STRING));
      String nullableString = "{\"type\":[\"string\",\"null\"]}";
      ext.put("Server", ordered("etag", STRING, "bmcTls", "{\"type\":\"object\",\"properties\":{"
          + "\"certificateSha256\":{\"type\":\"string\",\"pattern\":\"^[0-9a-f]{64}$\"},"
          + "\"insecure\":{\"type\":\"boolean\"}},\"additionalProperties\":false}",
          "provisionStatus", "{\"type\":\"object\",\"required\":[\"state\",\"allowedActions\",\"stateChangedAt\","
          + "\"maintenance\"],\"additionalProperties\":false,\"properties\":{"
          + "\"state\":{\"enum\":[\"enrolling\",\"inspecting\",\"cleaning\",\"provisioning\",\"deprovisioning\","
          + "\"deleting\",\"enroll_failed\",\"inspect_failed\",\"clean_failed\",\"provision_failed\",\"error\","
          + "\"manageable\",\"available\",\"provisioned\"]},"
          + "\"step\":" + nullableString + ",\"allowedActions\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
          + "\"stateChangedAt\":{\"type\":\"string\",\"format\":\"date-time\"},"
          + "\"powerState\":" + nullableString + ",\"targetPowerState\":" + nullableString + ","
          + "\"maintenance\":{\"type\":\"boolean\"},\"maintenanceReason\":" + nullableString + ","
          + "\"lastError\":" + nullableString + ",\"jobId\":" + nullableString + ",\"osImage\":" + nullableString
          + "}}"));
      ext.put("Server/hardwareSpecs", ordered(
          "nics", "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\"],"
          + "\"additionalProperties\":false,\"properties\":{\"id\":{\"type\":\"string\"},"
          + "\"macAddress\":{\"type\":\"string\",\"pattern\":\"^([0-9a-f]{2}:){5}[0-9a-f]{2}$\"},"
          + "\"speedMbps\":{\"type\":\"integer\"}}}}",
          "disks", "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\"],"
          + "\"additionalProperties\":false,\"properties\":{\"id\":{\"type\":\"string\"},"
          + "\"model\":{\"type\":\"string\"},\"capacityBytes\":{\"type\":\"integer\"},"
          + "\"mediaType\":{\"type\":\"string\"}}}}"));
      ext.put("getServerLogs:200/logs", ordered("jobId", STRING));
      Map<String, List<String>> always = new LinkedHashMap<>();
      always.put("Organization", List.of("selfLink", "uid", "id", "createdAt", "updatedAt", "etag"));
      always.put("Project", List.of("selfLink", "uid", "id", "organizationId", "createdAt", "updatedAt", "etag"));
      always.put("ServiceAccount", List.of("selfLink", "uid", "id", "displayName", "organizationId", "clientId", "scope",
          "scopeId", "roles", "status", "createdBy", "activeCredentialCount", "createdAt", "updatedAt", "etag"));
      always.put("User", List.of("selfLink", "uid", "id", "organizationId", "email", "displayName", "status",
          "createdAt", "updatedAt", "etag"));
      always.put("Group", List.of("selfLink", "uid", "id", "organizationId", "displayName", "memberCount", "createdAt",
          "updatedAt", "etag"));
      always.put("GroupMember", List.of("selfLink", "uid", "id", "groupId", "userId", "displayName", "email", "addedBy",
          "addedAt"));
      always.put("listUsers:200", List.of("users"));
      always.put("listGroups:200", List.of("groups"));
      always.put("ServiceAccountCredential", List.of("selfLink", "uid", "id", "serviceAccountId", "status", "expiresAt",
          "createdBy", "createdAt"));
      always.put("ApiKey", List.of("selfLink", "uid", "id", "displayName", "organizationId", "scope", "scopeId", "roles",
          "status", "expiresAt", "createdBy", "createdAt", "updatedAt", "etag"));
      always.put("Role", List.of("selfLink", "uid", "id", "displayName", "permissions", "predefined", "createdAt",
          "updatedAt"));
      always.put("listRoles:200", List.of("roles"));
      always.put("listPolicies:200", List.of("policies"));
      always.put("listServiceAccounts:200", List.of("serviceAccounts"));
      always.put("listApiKeys:200", List.of("apiKeys"));
      always.put("listServiceAccountCredentials:200", List.of("credentials"));
      always.put("Error", List.of("error"));
      always.put("Error/error", List.of("code", "message", "details"));
      always.put("listOrganizations:200", List.of("organizations"));
      always.put("listProjects:200", List.of("projects"));
      always.put("Network", List.of("selfLink", "uid", "id", "cidr", "subnets", "createdAt", "updatedAt", "etag"));
      always.put("Subnet", List.of("selfLink", "uid", "id", "network", "createdAt", "updatedAt", "etag"));
      always.put("Address", List.of("selfLink", "uid", "id", "ipAddress", "ipVersion", "addressType", "status",
          "createdAt", "updatedAt", "etag"));
      always.put("Server", List.of("selfLink", "uid", "id", "bmcAddress", "provisioningState", "provisionStatus", "tags",
          "createdAt", "updatedAt", "etag"));
      always.put("listServers:200", List.of("servers"));
      always.put("getServerLogs:200", List.of("logs"));
      always.put("validateServer:200", List.of("valid", "errors"));
      always.put("batchCreateServers:200", List.of("succeeded", "failed"));
      always.put("provisionServer:202", List.of("jobId", "status"));
      always.put("listNetworks:200", List.of("networks"));
      always.put("listSubnets:200", List.of("subnets"));
      always.put("listAddresses:200", List.of("addresses"));
      Map<String, Set<Integer>> statuses = new LinkedHashMap<>();
      statuses.put("listOrganizations", Set.of(400));
      statuses.put("createOrganization", Set.of(409, 413, 415, 422));
      statuses.put("updateOrganization", Set.of(409, 412, 413, 415));
      statuses.put("deleteOrganization", Set.of(409, 412));
      statuses.put("listProjects", Set.of(400));
      statuses.put("createProject", Set.of(409, 413, 415, 422));
      statuses.put("updateProject", Set.of(409, 412, 413, 415));
      statuses.put("deleteProject", Set.of(412));
      statuses.put("listServiceAccounts", Set.of(400));
      statuses.put("createServiceAccount", Set.of(413, 415));
      statuses.put("updateServiceAccount", Set.of(412, 413, 415));
      statuses.put("deleteServiceAccount", Set.of(412));
      statuses.put("listUsers", Set.of(400));
      statuses.put("updateUser", Set.of(409, 412, 413, 415));
      statuses.put("deleteUser", Set.of(409, 412));
      statuses.put("listGroups", Set.of(400));
      statuses.put("createGroup", Set.of(413, 415, 422));
      statuses.put("updateGroup", Set.of(409, 412, 413, 415));
      statuses.put("deleteGroup", Set.of(409, 412));
      statuses.put("listGroupMembers", Set.of(400));
      statuses.put("addGroupMember", Set.of(413, 415, 422));
      statuses.put("listServiceAccountCredentials", Set.of(400));
      statuses.put("createServiceAccountCredential", Set.of(415));
      statuses.put("listApiKeys", Set.of(400));
      statuses.put("createApiKey", Set.of(413, 415));
      statuses.put("updateApiKey", Set.of(412, 413, 415));
      statuses.put("deleteApiKey", Set.of(412));
      statuses.put("rotateApiKey", Set.of(415));
      statuses.put("listRoles", Set.of(400));
      statuses.put("createRole", Set.of(413, 415, 422));
      statuses.put("updateRole", Set.of(409, 412, 415));
      statuses.put("deleteRole", Set.of(409, 412));
      statuses.put("listPolicies", Set.of(400));
      statuses.put("createPolicy", Set.of(409, 413, 415, 422));
      statuses.put("deletePolicy", Set.of(412));
      statuses.put("listNetworks", Set.of(400, 404));
      statuses.put("createNetwork", Set.of(404, 409, 413, 415, 422));
      statuses.put("updateNetwork", Set.of(409, 412, 413, 415));
      statuses.put("deleteNetwork", Set.of(409, 412));
      statuses.put("listSubnets", Set.of(400));
      statuses.put("listAddresses", Set.of(400, 404));
      statuses.put("allocateAddress", Set.of(404, 409, 413, 415, 422));
      statuses.put("releaseAddress", Set.of(409, 412));
      statuses.put("listServers", Set.of(400, 404));
      statuses.put("registerServer", Set.of(404, 409, 413, 415, 422, 503));
      statuses.put("batchCreateServers", Set.of(404, 413, 415, 422, 503));
      statuses.put("updateServer", Set.of(409, 412, 413, 415, 503));
      statuses.put("decommissionServer", Set.of(409, 412));
      statuses.put("provisionServer", Set.of(409, 412, 413, 415));
      statuses.put("executeServerAction", Set.of(409, 412, 413, 415));
      statuses.put("getServerLogs", Set.of(400));
      return new Rules(ext, always, statuses);
    }

    private static Map<String, String> ordered(String... kv) {
      Map<String, String> m = new LinkedHashMap<>();
      for (int i = 0; i < kv.length; i += 2) {
        m.put(kv[i], kv[i + 1]);
      }
      return m;
    }

    private static Map<String, Map<String, String>> copyOf(Map<String, Map<String, String>> m) {
      Map<String, Map<String, String>> out = new TreeMap<>();
      m.forEach((k, v) -> out.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
      return Collections.unmodifiableMap(out);
    }
  }

  /** The derived validation target of one declared response. */
  private record Derived(String operationId, String statusKey, String mediaType, ObjectNode schema) {
    boolean hasBody() {
      return mediaType != null;
    }

    boolean isJson() {
      return mediaType != null && isJsonMediaType(mediaType);
    }
  }

  private final Path contractFile;
  private final ObjectNode openapi;
  private final ObjectNode rawSchemas;
  private final ObjectNode defs;
  private final Map<String, ObjectNode> operations;
  private final Map<String, Derived> derived;
  private final Set<String> notes;
  private final JsonSchemaFactory factory;
  private final SchemaValidatorsConfig config;
  private final Map<String, JsonSchema> compiled = new ConcurrentHashMap<>();

  private ContractSchemas(Path contractFile, ObjectNode openapi, Rules rules) {
    this.contractFile = contractFile;
    this.openapi = openapi;
    this.notes = new LinkedHashSet<>();
    this.operations = indexOperations(openapi, notes);
    JsonNode schemas = openapi.path("components").path("schemas");
    if (!schemas.isObject()) {
      throw new IllegalStateException(contractFile + ": no components.schemas");
    }
    this.rawSchemas = (ObjectNode) schemas;
    applyRules(rules);
    this.defs = JSON.createObjectNode();
    this.derived = new LinkedHashMap<>();
    deriveAll();
    this.factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    this.config = SchemaValidatorsConfig.builder()
        .formatAssertionsEnabled(true)
        .typeLoose(false)
        .pathType(PathType.JSON_PATH)
        .locale(java.util.Locale.ROOT)
        .build();
  }

  /** Loads the contract found by {@link #locateContract()} with {@link Rules#ours()}. */
  public static ContractSchemas load() {
    return load(locateContract(), Rules.ours());
  }

  /** Loads the given OpenAPI 3.1 document (YAML or JSON) with the given rules. */
  public static ContractSchemas load(Path contract, Rules rules) {
    Objects.requireNonNull(rules, "rules");
    JsonNode doc;
    try {
      doc = YAML.readTree(contract.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the contract " + contract, e);
    }
    if (!(doc instanceof ObjectNode) || !doc.path("openapi").asText().startsWith("3.")) {
      throw new IllegalStateException(contract + " is not an OpenAPI 3 document");
    }
    return new ContractSchemas(contract, (ObjectNode) doc, rules);
  }

  /**
   * The contract file: {@code <k0rdent.shared.dir>/reference/k0rdent-openapi.bundled.yaml} when the
   * property is set and the file exists, otherwise {@code shared/reference/k0rdent-openapi.bundled.yaml}
   * in the working directory or the nearest ancestor that has it.
   *
   * @throws IllegalStateException when neither exists
   */
  public static Path locateContract() {
    String shared = System.getProperty(SHARED_DIR_PROPERTY);
    if (shared != null && !shared.isBlank()) {
      Path p = Path.of(shared).resolve(CONTRACT_PATH).normalize();
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path p = dir.resolve("shared").resolve(CONTRACT_PATH);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalStateException("contract not found: neither -D" + SHARED_DIR_PROPERTY + "=" + shared
        + " nor shared/" + CONTRACT_PATH + " in " + start + " or its ancestors has it");
  }

  /** The contract file this instance was loaded from. */
  public Path contractFile() {
    return contractFile;
  }

  /**
   * Throws an {@link AssertionError} listing every violation when {@code jsonBody} is not a valid body
   * of the operation's response with that status under the strict schema.
   *
   * @throws IllegalArgumentException unknown operationId, or a status the operation does not declare
   */
  public void assertValid(String operationId, int status, String jsonBody) {
    List<String> v = violations(operationId, status, jsonBody);
    if (!v.isEmpty()) {
      StringBuilder sb = new StringBuilder()
          .append(operationId).append(' ').append(status)
          .append(": response body violates the strict contract schema (")
          .append(v.size()).append(v.size() == 1 ? " violation" : " violations").append("):");
      for (String s : v) {
        sb.append("\n  - ").append(s);
      }
      sb.append("\nbody: ").append(abbreviate(jsonBody));
      throw new AssertionError(sb.toString());
    }
  }

  /**
   * Every violation of the strict schema by {@code jsonBody} (empty when valid), each naming the JSON
   * location, what is wrong and the schema keyword that says so. A response declared without content
   * expects an empty body ({@code null} or blank); an unparseable body is one violation.
   *
   * @throws IllegalArgumentException unknown operationId, a status the operation does not declare, or a
   *     response whose content is not JSON (e.g. {@code application/yaml})
   */
  public List<String> violations(String operationId, int status, String jsonBody) {
    Derived d = find(operationId, status);
    boolean blank = jsonBody == null || jsonBody.isBlank();
    if (!d.hasBody()) {
      return blank ? List.of() : List.of("$: the contract declares no body for " + operationId + " "
          + d.statusKey() + ", but got one");
    }
    if (!d.isJson()) {
      throw new IllegalArgumentException(operationId + " " + d.statusKey() + " answers " + d.mediaType()
          + ", not JSON; ContractSchemas validates JSON bodies only");
    }
    if (blank) {
      return List.of("$: empty body, but the contract declares a " + d.mediaType() + " body");
    }
    JsonNode body;
    try {
      body = JSON.readTree(jsonBody);
    } catch (JsonProcessingException e) {
      return List.of("$: not valid JSON: " + e.getOriginalMessage());
    }
    JsonSchema schema = compiled.computeIfAbsent(d.operationId() + " " + d.statusKey(),
        k -> factory.getSchema(SchemaLocation.of("urn:k0rdent:contract:" + d.operationId() + ":" + d.statusKey()),
            d.schema(), config));
    List<ValidationMessage> sorted = withoutCascades(new ArrayList<>(schema.validate(body)), d.schema());
    sorted.sort(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString())
        .thenComparing(ValidationMessage::getMessage));
    List<String> out = new ArrayList<>(sorted.size());
    for (ValidationMessage m : sorted) {
      out.add(m.getMessage() + "  (schema: #" + m.getSchemaLocation().getFragment() + ")");
    }
    return out;
  }

  /**
   * Drops the {@code unevaluatedProperties} complaints that only echo another violation: when a member of
   * a composition fails, it contributes no annotations, so every property it declares is reported as
   * unevaluated too. A complaint about a property that the composition declares somewhere is such an
   * echo (the member's own failure is in the list); one about an undeclared property is kept.
   */
  private static List<ValidationMessage> withoutCascades(List<ValidationMessage> messages, ObjectNode doc) {
    if (messages.stream().allMatch(m -> UNEVALUATED.equals(m.getType()))) {
      return messages;
    }
    List<ValidationMessage> out = new ArrayList<>(messages.size());
    for (ValidationMessage m : messages) {
      if (UNEVALUATED.equals(m.getType()) && m.getProperty() != null) {
        JsonPointer keyword = JsonPointer.compile(m.getSchemaLocation().getFragment().toString());
        Set<String> declared = new TreeSet<>();
        collectComposed(doc, doc.at(keyword.head()), declared, 0);
        if (declared.contains(m.getProperty())) {
          continue;
        }
      }
      out.add(m);
    }
    return out;
  }

  /** Properties declared by a derived schema and everything it applies in place. */
  private static void collectComposed(ObjectNode doc, JsonNode schema, Set<String> out, int depth) {
    if (schema == null || !schema.isObject() || depth > 32) {
      return;
    }
    schema.path("properties").fieldNames().forEachRemaining(out::add);
    if (schema.path("$ref").asText().startsWith("#/")) {
      collectComposed(doc, doc.at(JsonPointer.compile(schema.get("$ref").asText().substring(1))), out, depth + 1);
    }
    for (String k : List.of("allOf", "oneOf", "anyOf")) {
      schema.path(k).forEach(m -> collectComposed(doc, m, out, depth + 1));
    }
    for (String k : List.of("then", "else", "if")) {
      collectComposed(doc, schema.get(k), out, depth + 1);
    }
  }

  /**
   * The derived strict JSON Schema 2020-12 document for the response (a copy; {@code null} schema
   * means the response has no body).
   *
   * @throws IllegalArgumentException unknown operationId or undeclared status
   */
  public JsonNode strictSchema(String operationId, int status) {
    Derived d = find(operationId, status);
    return d.schema() == null ? null : d.schema().deepCopy();
  }

  /** operationId → the response status keys it declares (after {@link Rules}), both sorted. */
  public SortedMap<String, List<String>> declaredResponses() {
    SortedMap<String, List<String>> out = new TreeMap<>();
    derived.values().forEach(d -> out.computeIfAbsent(d.operationId(), k -> new ArrayList<>()).add(d.statusKey()));
    out.replaceAll((k, v) -> v.stream().sorted().toList());
    return Collections.unmodifiableSortedMap(out);
  }

  /**
   * What the derivation noticed in the contract and adjusted or ignored (contract defects, redundant
   * rules), one sentence each, in the order found.
   */
  public List<String> notes() {
    return List.copyOf(notes);
  }

  // ---------------------------------------------------------------- operations and responses

  private static Map<String, ObjectNode> indexOperations(ObjectNode openapi, Set<String> notes) {
    Map<String, ObjectNode> ops = new LinkedHashMap<>();
    openapi.path("paths").properties().forEach(path -> {
      for (String method : HTTP_METHODS) {
        JsonNode op = path.getValue().get(method);
        if (op instanceof ObjectNode o && o.hasNonNull("operationId")) {
          String id = o.get("operationId").asText();
          if (ops.putIfAbsent(id, o) != null) {
            notes.add("operationId '" + id + "' is declared twice; the first (" + path.getKey() + ") is used");
          }
        }
      }
    });
    return ops;
  }

  private Derived find(String operationId, int status) {
    if (!operations.containsKey(operationId)) {
      throw new IllegalArgumentException("unknown operationId '" + operationId + "': not in the contract "
          + contractFile.getFileName() + " (" + operations.size() + " operations)");
    }
    String[] candidates = {Integer.toString(status), (status / 100) + "XX", "default"};
    for (String key : candidates) {
      Derived d = derived.get(operationId + " " + key);
      if (d == null) {
        d = derived.get(operationId + " " + key.toLowerCase(java.util.Locale.ROOT));
      }
      if (d != null) {
        return d;
      }
    }
    throw new IllegalArgumentException("operation '" + operationId + "' declares no response for status "
        + status + "; declared: " + declaredResponses().get(operationId));
  }

  private void deriveAll() {
    for (String name : iterable(rawSchemas.fieldNames())) {
      if (name.endsWith(OPEN_SUFFIX)) {
        throw new IllegalStateException("schema name " + name + " collides with the open copies' suffix");
      }
    }
    Deque<String> openWanted = new ArrayDeque<>();
    Converter converter = new Converter(openWanted);
    rawSchemas.properties().forEach(e ->
        defs.set(e.getKey(), converter.convert(e.getValue(), true, "components.schemas." + e.getKey())));
    operations.forEach((opId, op) -> op.path("responses").properties().forEach(r -> {
      String where = opId + " " + r.getKey();
      ObjectNode response = resolveResponse(r.getValue(), where);
      Map.Entry<String, JsonNode> media = jsonMediaType(response);
      if (media == null) {
        derived.put(where, new Derived(opId, r.getKey(), null, null));
        return;
      }
      if (!isJsonMediaType(media.getKey())) {
        derived.put(where, new Derived(opId, r.getKey(), media.getKey(), null));
        return;
      }
      JsonNode rawSchema = media.getValue().get("schema");
      ObjectNode root;
      if (rawSchema == null) {
        root = JSON.createObjectNode();
      } else {
        JsonNode converted = converter.convert(rawSchema, true, where);
        root = converted.isObject() ? (ObjectNode) converted : wrapBoolean(converted);
        // name a shared response by its component, so that a note about its examples is made once
        String origin = r.getValue().has("$ref") ? r.getValue().get("$ref").asText() : where;
        List<JsonNode> examples = mediaExamples(media.getValue(), origin);
        if (!examples.isEmpty()) {
          mergeOverlay(root, exampleOverlay(rawSchema, examples, origin + " response example"));
        }
      }
      derived.put(where, new Derived(opId, r.getKey(), media.getKey(), root));
    }));
    Set<String> done = new TreeSet<>();
    while (!openWanted.isEmpty()) {
      String name = openWanted.pop();
      if (done.add(name)) {
        defs.set(name + OPEN_SUFFIX, converter.convert(rawSchemas.get(name), false,
            "components.schemas." + name + " (open copy)"));
      }
    }
    // every document shares the one (read-only from here on) $defs node
    derived.replaceAll((k, d) -> d.schema() == null ? d
        : new Derived(d.operationId(), d.statusKey(), d.mediaType(), document(d.schema())));
  }

  private ObjectNode document(ObjectNode root) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("$schema", SchemaId.V202012);
    doc.setAll(root);
    doc.set("$defs", defs);
    return doc;
  }

  private static ObjectNode wrapBoolean(JsonNode bool) {
    ObjectNode o = JSON.createObjectNode();
    o.set("allOf", JSON.createArrayNode().add(bool));
    return o;
  }

  private ObjectNode resolveResponse(JsonNode response, String where) {
    JsonNode r = response;
    for (int hops = 0; r.has("$ref"); hops++) {
      if (hops > 10) {
        throw new IllegalStateException(where + ": $ref loop in responses");
      }
      r = resolveRef(r.get("$ref").asText(), where);
    }
    if (!(r instanceof ObjectNode o)) {
      throw new IllegalStateException(where + ": response is not an object");
    }
    return o;
  }

  private JsonNode resolveRef(String ref, String where) {
    if (!ref.startsWith("#/")) {
      throw new IllegalStateException(where + ": only local $refs are supported, got " + ref);
    }
    JsonNode target = openapi.at(JsonPointer.compile(ref.substring(1)));
    if (target.isMissingNode()) {
      throw new IllegalStateException(where + ": $ref " + ref + " does not resolve");
    }
    return target;
  }

  private static Map.Entry<String, JsonNode> jsonMediaType(ObjectNode response) {
    JsonNode content = response.get("content");
    if (content == null || content.isEmpty()) {
      return null;
    }
    Map.Entry<String, JsonNode> first = null;
    for (Map.Entry<String, JsonNode> e : content.properties()) {
      if (isJsonMediaType(e.getKey())) {
        return e;
      }
      first = first == null ? e : first;
    }
    return first;
  }

  private static boolean isJsonMediaType(String mediaType) {
    String m = mediaType.toLowerCase(java.util.Locale.ROOT);
    return m.equals("application/json") || m.endsWith("+json") || m.startsWith("application/json;");
  }

  private List<JsonNode> mediaExamples(JsonNode media, String where) {
    List<JsonNode> out = new ArrayList<>();
    if (media.has("example")) {
      out.add(media.get("example"));
    }
    media.path("examples").properties().forEach(e -> {
      JsonNode ex = e.getValue();
      if (ex.has("$ref")) {
        ex = resolveRef(ex.get("$ref").asText(), where + " example " + e.getKey());
      }
      if (ex.has("value")) {
        out.add(ex.get("value"));
      }
    });
    return out;
  }

  // ---------------------------------------------------------------- rules

  private void applyRules(Rules rules) {
    rules.extraErrorStatuses().forEach((opId, statuses) -> {
      ObjectNode op = operations.get(opId);
      if (op == null) {
        throw new IllegalArgumentException("Rules.extraErrorStatuses: unknown operationId '" + opId + "'");
      }
      ObjectNode responses = op.has("responses") ? (ObjectNode) op.get("responses") : op.putObject("responses");
      for (int status : new TreeSet<>(statuses)) {
        if (status < 400 || status > 599) {
          throw new IllegalArgumentException("Rules.extraErrorStatuses: " + opId + " " + status + " is not an error status");
        }
        String key = Integer.toString(status);
        if (responses.has(key)) {
          notes.add("rule redundant: the contract now declares " + opId + " " + key + "; its definition is used");
          continue;
        }
        ObjectNode r = responses.putObject(key);
        r.put("description", "documented extension (ContractSchemas.Rules)");
        r.putObject("content").putObject("application/json").putObject("schema").put("$ref", SCHEMA_REF_PREFIX + "Error");
      }
    });
    rules.extensions().forEach((location, props) -> {
      ObjectNode schema = locate(location, "Rules.extensions");
      ObjectNode properties = schema.has("properties") ? (ObjectNode) schema.get("properties") : schema.putObject("properties");
      props.forEach((name, schemaJson) -> {
        if (properties.has(name)) {
          notes.add("rule redundant: the contract now declares " + location + "." + name
              + "; the contract's definition is used, drop the extension");
          return;
        }
        try {
          properties.set(name, JSON.readTree(schemaJson));
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException("Rules.extensions " + location + "." + name + ": not JSON: " + schemaJson, e);
        }
      });
    });
    rules.alwaysPresent().forEach((location, names) -> {
      ObjectNode schema = locate(location, "Rules.alwaysPresent");
      Map<String, JsonNode> declared = declaredProperties(schema, location);
      for (String name : names) {
        if (!declared.containsKey(name)) {
          throw new IllegalArgumentException("Rules.alwaysPresent: " + location + " declares no property '" + name
              + "' (declared: " + declared.keySet() + "); add it to Rules.extensions first");
        }
      }
      addRequired(schema, names);
    });
  }

  /** The object schema at a rule location (see {@link Rules}), in the raw contract. */
  private ObjectNode locate(String location, String what) {
    String[] parts = location.split("/");
    JsonNode node;
    String head = parts[0];
    int colon = head.indexOf(':');
    if (colon < 0) {
      node = rawSchemas.get(head);
      if (node == null) {
        throw new IllegalArgumentException(what + ": no schema '" + head + "' in components.schemas");
      }
    } else {
      String opId = head.substring(0, colon);
      String status = head.substring(colon + 1);
      ObjectNode op = operations.get(opId);
      if (op == null) {
        throw new IllegalArgumentException(what + ": unknown operationId '" + opId + "' in " + location);
      }
      JsonNode response = op.path("responses").get(status);
      if (response == null) {
        throw new IllegalArgumentException(what + ": " + opId + " declares no response " + status);
      }
      Map.Entry<String, JsonNode> media = jsonMediaType(resolveResponse(response, location));
      node = media == null ? null : media.getValue().get("schema");
      if (node == null) {
        throw new IllegalArgumentException(what + ": " + opId + " " + status + " has no body schema");
      }
    }
    for (int i = 0; ; i++) {
      while (node.path("type").asText().equals("array") && node.has("items")) {
        node = node.get("items");
      }
      if (node.has("$ref")) {
        throw new IllegalArgumentException(what + ": " + location + " reaches " + node.get("$ref").asText()
            + "; put the rule on that component");
      }
      if (i == parts.length - 1) {
        break;
      }
      JsonNode next = node.path("properties").get(parts[i + 1]);
      if (next == null) {
        throw new IllegalArgumentException(what + ": " + location + ": no property '" + parts[i + 1] + "'");
      }
      node = next;
    }
    if (!(node instanceof ObjectNode o)) {
      throw new IllegalArgumentException(what + ": " + location + " is not a schema object");
    }
    return o;
  }

  /** Declared properties of a raw schema: its own, and those of its {@code allOf} members and {@code $ref} target. */
  private Map<String, JsonNode> declaredProperties(JsonNode schema, String where) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    collectDeclared(schema, where, out, 0);
    return out;
  }

  private void collectDeclared(JsonNode schema, String where, Map<String, JsonNode> out, int depth) {
    if (schema == null || !schema.isObject() || depth > 32) {
      return;
    }
    schema.path("properties").properties().forEach(p -> out.putIfAbsent(p.getKey(), p.getValue()));
    if (schema.has("$ref")) {
      collectDeclared(resolveRef(schema.get("$ref").asText(), where), where, out, depth + 1);
    }
    for (JsonNode m : schema.path("allOf")) {
      collectDeclared(m, where, out, depth + 1);
    }
  }

  private static void addRequired(ObjectNode schema, List<String> names) {
    ArrayNode required = schema.has("required") ? (ArrayNode) schema.get("required") : schema.putArray("required");
    Set<String> have = new LinkedHashSet<>();
    required.forEach(n -> have.add(n.asText()));
    for (String n : names) {
      if (have.add(n)) {
        required.add(n);
      }
    }
  }

  // ---------------------------------------------------------------- examples → required

  /**
   * A schema holding only {@code required} (and nested {@code properties}/{@code items} of the same kind)
   * that the example values imply, or {@code null} when they imply nothing.
   */
  private ObjectNode exampleOverlay(JsonNode rawSchema, List<JsonNode> values, String where) {
    if (values.isEmpty() || rawSchema == null || !rawSchema.isObject()) {
      return null;
    }
    JsonNode schema = rawSchema;
    for (int hops = 0; schema.has("$ref") && schema.size() == 1 && hops < 10; hops++) {
      schema = resolveRef(schema.get("$ref").asText(), where);
    }
    ObjectNode overlay = JSON.createObjectNode();
    List<JsonNode> elements = new ArrayList<>();
    values.stream().filter(JsonNode::isArray).forEach(a -> a.forEach(elements::add));
    if (!elements.isEmpty() && schema.has("items")) {
      ObjectNode items = exampleOverlay(schema.get("items"), elements, where + "[]");
      if (items != null) {
        overlay.set("items", items);
      }
    }
    List<JsonNode> objects = values.stream().filter(JsonNode::isObject).toList();
    if (!objects.isEmpty()) {
      Map<String, JsonNode> declared = declaredProperties(schema, where);
      boolean open = schema.has("additionalProperties") || schema.has("unevaluatedProperties") || declared.isEmpty();
      Set<String> required = new LinkedHashSet<>();
      Set<String> ignored = new TreeSet<>();
      for (JsonNode o : objects) {
        o.fieldNames().forEachRemaining(k -> {
          JsonNode prop = declared.get(k);
          if (prop != null && !prop.path("writeOnly").asBoolean(false)) {
            required.add(k);
          } else if (!open || prop != null) {
            ignored.add(k);
          }
        });
      }
      if (!ignored.isEmpty()) {
        notes.add(where + ": example keys " + ignored + " are not (readable) properties of the schema "
            + describe(rawSchema) + "; ignored");
      }
      if (!required.isEmpty()) {
        overlay.set("required", JSON.valueToTree(required));
      }
      ObjectNode props = JSON.createObjectNode();
      for (String k : required) {
        List<JsonNode> nested = objects.stream().map(o -> o.get(k))
            .filter(v -> v != null && (v.isObject() || v.isArray())).toList();
        ObjectNode child = exampleOverlay(declared.get(k), nested, where + "." + k);
        if (child != null) {
          props.set(k, child);
        }
      }
      if (!props.isEmpty()) {
        overlay.set("properties", props);
      }
    }
    return overlay.isEmpty() ? null : overlay;
  }

  private static String describe(JsonNode rawSchema) {
    return rawSchema.has("$ref") ? rawSchema.get("$ref").asText() : "(inline)";
  }

  /** Adds an overlay's {@code required} lists to a converted schema, descending into properties and items. */
  private static void mergeOverlay(ObjectNode target, ObjectNode overlay) {
    if (overlay == null) {
      return;
    }
    if (overlay.has("required")) {
      List<String> names = new ArrayList<>();
      overlay.get("required").forEach(n -> names.add(n.asText()));
      addRequired(target, names);
    }
    if (overlay.has("items")) {
      JsonNode items = target.get("items");
      if (items instanceof ObjectNode io) {
        mergeOverlay(io, (ObjectNode) overlay.get("items"));
      } else {
        target.set("items", overlay.get("items").deepCopy());
      }
    }
    overlay.path("properties").properties().forEach(p -> {
      ObjectNode props = target.has("properties") ? (ObjectNode) target.get("properties") : target.putObject("properties");
      JsonNode t = props.get(p.getKey());
      if (t instanceof ObjectNode to) {
        mergeOverlay(to, (ObjectNode) p.getValue());
      } else if (t == null) {
        // target is e.g. a bare {"$ref": ...}: the overlay applies next to it
        props.set(p.getKey(), p.getValue().deepCopy());
      }
    });
  }

  // ---------------------------------------------------------------- OpenAPI schema → strict 2020-12 schema

  /** Converts raw OpenAPI schema objects into strict JSON Schema 2020-12 ones. */
  private final class Converter {
    private final Deque<String> openWanted;
    private boolean uriNoted;

    Converter(Deque<String> openWanted) {
      this.openWanted = openWanted;
    }

    /**
     * @param close whether this schema, if it is an object schema, is closed here; {@code false} for the
     *     members of a composition, which the composition closes with {@code unevaluatedProperties}
     */
    JsonNode convert(JsonNode raw, boolean close, String where) {
      if (raw.isBoolean()) {
        return raw;
      }
      if (!(raw instanceof ObjectNode in)) {
        throw new IllegalStateException(where + ": not a schema: " + raw);
      }
      ObjectNode flat = flatten(in, where, 0);
      if (flat != in) {
        return convert(flat, close, where);
      }
      boolean ownProps = in.path("properties").size() > 0;
      boolean closesHere = close && isObjectLike(in) && !in.has("additionalProperties")
          && !in.has("unevaluatedProperties") && declaresProperties(in, where, 0);
      boolean composite = in.has("allOf") || (ownProps && (in.has("oneOf") || in.has("anyOf") || in.has("$ref")));
      // members of a composition closed with unevaluatedProperties stay open; so do those of an open schema
      boolean membersOpen = !close || composite;

      ObjectNode out = JSON.createObjectNode();
      Set<String> writeOnly = new TreeSet<>();
      for (Map.Entry<String, JsonNode> e : in.properties()) {
        String k = e.getKey();
        JsonNode v = e.getValue();
        if (k.startsWith("x-") || DROPPED_KEYWORDS.contains(k)) {
          continue;
        }
        switch (k) {
          case "$ref" -> out.put("$ref", rewriteRef(v.asText(), membersOpen, where));
          case "properties" -> {
            ObjectNode props = out.putObject("properties");
            v.properties().forEach(p -> {
              if (p.getValue().path("writeOnly").asBoolean(false)) {
                props.put(p.getKey(), false); // a write-only property never appears in a response
                writeOnly.add(p.getKey());
              } else {
                props.set(p.getKey(), convert(p.getValue(), true, where + "." + p.getKey()));
              }
            });
          }
          case "allOf" -> out.set(k, convertAll(v, false, where + ".allOf"));
          case "oneOf", "anyOf" -> out.set(k, convertAll(v, !membersOpen, where + "." + k));
          case "prefixItems" -> out.set(k, convertAll(v, true, where + "." + k));
          case "format" -> out.put(k, relaxFormat(v.asText(), where));
          case "exclusiveMinimum", "exclusiveMaximum" -> {
            if (v.isBoolean()) { // OpenAPI 3.0 form
              String bound = k.equals("exclusiveMinimum") ? "minimum" : "maximum";
              if (v.asBoolean() && in.has(bound)) {
                out.set(k, in.get(bound));
              }
            } else {
              out.set(k, v);
            }
          }
          default -> {
            if (SUBSCHEMA_KEYWORDS.contains(k) && v.isObject()) {
              out.set(k, convert(v, true, where + "." + k));
            } else if (SUBSCHEMA_MAP_KEYWORDS.contains(k) && v.isObject()) {
              ObjectNode m = out.putObject(k);
              v.properties().forEach(p -> m.set(p.getKey(), convert(p.getValue(), true, where + "." + k + "." + p.getKey())));
            } else {
              out.set(k, v.deepCopy());
            }
          }
        }
      }
      if (in.path("exclusiveMinimum").asBoolean(false) && in.path("exclusiveMinimum").isBoolean()) {
        out.remove("minimum");
      }
      if (in.path("exclusiveMaximum").asBoolean(false) && in.path("exclusiveMaximum").isBoolean()) {
        out.remove("maximum");
      }
      if (in.path("nullable").asBoolean(false)) {
        notes.add(where + ": 'nullable' is OpenAPI 3.0, not 3.1; treated as type null allowed");
        allowNull(out);
      }
      if (!writeOnly.isEmpty() && out.get("required") instanceof ArrayNode req) {
        ArrayNode kept = JSON.createArrayNode();
        req.forEach(n -> {
          if (!writeOnly.contains(n.asText())) {
            kept.add(n);
          }
        });
        out.set("required", kept);
      }
      if (closesHere) {
        out.put(composite ? "unevaluatedProperties" : "additionalProperties", false);
      }
      List<JsonNode> examples = new ArrayList<>();
      if (in.has("example")) {
        examples.add(in.get("example"));
      }
      if (in.path("examples").isArray()) {
        in.get("examples").forEach(examples::add);
      }
      if (!examples.isEmpty()) {
        mergeOverlay(out, exampleOverlay(in, examples, where + " example"));
      }
      return out;
    }

    /**
     * The OpenAPI "extends" idiom ({@code allOf} of object schemas, or a {@code $ref} next to own
     * properties) merged into one object schema, which then closes with {@code additionalProperties:
     * false} and reports clearly; {@code in} itself when there is nothing to merge or the members are
     * more than plain object schemas (then {@code unevaluatedProperties} closes the composition).
     */
    private ObjectNode flatten(ObjectNode in, String where, int depth) {
      boolean refWithSiblings = in.has("$ref") && (in.has("properties") || in.has("required"));
      if (!in.has("allOf") && !refWithSiblings || depth > 16) {
        return in;
      }
      for (String k : List.of("oneOf", "anyOf", "not", "if", "additionalProperties", "unevaluatedProperties",
          "patternProperties", "dependentSchemas")) {
        if (in.has(k)) {
          return in;
        }
      }
      List<JsonNode> members = new ArrayList<>();
      if (in.has("$ref")) {
        members.add(JSON.createObjectNode().put("$ref", in.get("$ref").asText()));
      }
      in.path("allOf").forEach(members::add);
      ObjectNode result = in.deepCopy();
      result.remove(List.of("$ref", "allOf"));
      ObjectNode props = result.has("properties") ? (ObjectNode) result.get("properties") : JSON.createObjectNode();
      Set<String> required = new LinkedHashSet<>();
      result.path("required").forEach(n -> required.add(n.asText()));
      for (JsonNode m : members) {
        JsonNode member = m;
        for (int hops = 0; member.has("$ref") && member.size() == 1 && hops < 10; hops++) {
          member = resolveRef(member.get("$ref").asText(), where);
        }
        if (!(member instanceof ObjectNode mo)) {
          return in;
        }
        ObjectNode fm = flatten(mo, where, depth + 1);
        if (fm.has("allOf") || fm.has("$ref") || !isPlainObjectSchema(fm)) {
          return in;
        }
        fm.path("properties").properties().forEach(p -> {
          JsonNode have = props.get(p.getKey());
          if (have == null) {
            props.set(p.getKey(), p.getValue());
          } else if (!have.equals(p.getValue())) {
            props.set(p.getKey(), JSON.createObjectNode().set("allOf", JSON.createArrayNode().add(have).add(p.getValue())));
          }
        });
        fm.path("required").forEach(n -> required.add(n.asText()));
      }
      result.put("type", "object");
      result.set("properties", props);
      if (!required.isEmpty()) {
        result.set("required", JSON.valueToTree(required));
      }
      return result;
    }

    /** Only annotations, {@code type: object}, {@code properties} and {@code required}. */
    private boolean isPlainObjectSchema(ObjectNode s) {
      for (Map.Entry<String, JsonNode> e : s.properties()) {
        String k = e.getKey();
        boolean ok = k.startsWith("x-") || FLATTENABLE_KEYWORDS.contains(k)
            || (k.equals("type") && e.getValue().asText().equals("object"))
            || ((k.equals("example") || k.equals("examples")) && !e.getValue().isContainerNode());
        if (!ok) {
          return false;
        }
      }
      return true;
    }

    private ArrayNode convertAll(JsonNode members, boolean close, String where) {
      ArrayNode out = JSON.createArrayNode();
      int i = 0;
      for (JsonNode m : members) {
        out.add(convert(m, close, where + "[" + i++ + "]"));
      }
      return out;
    }

    private String rewriteRef(String ref, boolean open, String where) {
      if (!ref.startsWith(SCHEMA_REF_PREFIX)) {
        throw new IllegalStateException(where + ": unsupported $ref in a schema: " + ref);
      }
      String name = ref.substring(SCHEMA_REF_PREFIX.length()).replace("~1", "/").replace("~0", "~");
      if (!rawSchemas.has(name)) {
        throw new IllegalStateException(where + ": $ref " + ref + " does not resolve");
      }
      if (open) {
        openWanted.add(name);
        name = name + OPEN_SUFFIX;
      }
      return DEFS + name.replace("~", "~0").replace("/", "~1");
    }

    private String relaxFormat(String format, String where) {
      if (format.equals("uri")) {
        if (!uriNoted) {
          uriNoted = true;
          notes.add("'format: uri' (first at " + where + ") is asserted as 'uri-reference': the contract's "
              + "selfLink and resource URI examples are relative references, which 'uri' rejects");
        }
        return "uri-reference";
      }
      return format;
    }

    private boolean isObjectLike(ObjectNode in) {
      JsonNode type = in.get("type");
      if (type == null) {
        return in.has("properties") || in.has("allOf") || in.has("required");
      }
      if (type.isArray()) {
        for (JsonNode t : type) {
          if (t.asText().equals("object")) {
            return true;
          }
        }
        return false;
      }
      return type.asText().equals("object");
    }

    private boolean declaresProperties(JsonNode schema, String where, int depth) {
      if (schema == null || !schema.isObject() || depth > 32) {
        return false;
      }
      if (schema.path("properties").size() > 0) {
        return true;
      }
      if (schema.has("$ref") && declaresProperties(resolveRef(schema.get("$ref").asText(), where), where, depth + 1)) {
        return true;
      }
      for (JsonNode m : schema.path("allOf")) {
        if (declaresProperties(m, where, depth + 1)) {
          return true;
        }
      }
      return false;
    }

    private void allowNull(ObjectNode out) {
      JsonNode type = out.get("type");
      if (type != null && type.isTextual()) {
        out.set("type", JSON.createArrayNode().add(type.asText()).add("null"));
      } else if (type instanceof ArrayNode a && !a.toString().contains("\"null\"")) {
        a.add("null");
      }
      if (out.get("enum") instanceof ArrayNode en) {
        en.addNull();
      }
    }
  }

  // ---------------------------------------------------------------- small helpers

  private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
    return () -> it;
  }

  private static String abbreviate(String body) {
    if (body == null) {
      return "null";
    }
    return body.length() <= 2000 ? body : body.substring(0, 2000) + "... (" + body.length() + " chars)";
  }
}
