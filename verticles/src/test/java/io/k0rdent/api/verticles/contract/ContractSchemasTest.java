package io.k0rdent.api.verticles.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proves that {@link ContractSchemas} accepts what the strict contract allows and rejects the rest. */
class ContractSchemasTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String UID = "3f1c2f9e-7a0b-4c5d-9e8f-0a1b2c3d4e5f";
  private static final String UID2 = "0b8e6a52-1d3c-4f7e-8a9b-c0d1e2f3a4b5";
  private static final String TS = "2025-11-29T12:00:00.123Z";

  private static ContractSchemas contract;

  @BeforeAll
  static void load() {
    contract = ContractSchemas.load();
  }

  // ------------------------------------------------------------------ Organization

  private static ObjectNode organization() {
    ObjectNode o = JSON.createObjectNode();
    o.put("selfLink", "/v1/regions/global/organizations/acme");
    o.put("uid", UID);
    o.put("id", "acme");
    o.put("displayName", "Acme Corp");
    o.put("description", "GPU tenant");
    o.put("createdAt", TS);
    o.put("updatedAt", TS);
    o.put("etag", "\"1-3f1c2f9e\"");
    return o;
  }

  @Test
  void validOrganizationPasses() {
    String body = organization().toString();
    assertThat(contract.violations("createOrganization", 201, body)).isEmpty();
    assertThatCode(() -> contract.assertValid("createOrganization", 201, body)).doesNotThrowAnyException();
    assertThatCode(() -> contract.assertValid("getOrganization", 200, body)).doesNotThrowAnyException();
  }

  @Test
  void organizationWithoutOptionalFieldsPasses() {
    ObjectNode o = organization();
    o.remove("displayName");
    o.remove("description");
    contract.assertValid("updateOrganization", 200, o.toString());
  }

  @Test
  void organizationMissingUidFails() {
    ObjectNode o = organization();
    o.remove("uid");
    List<String> v = contract.violations("createOrganization", 201, o.toString());
    assertThat(v).hasSize(1);
    assertThat(v.get(0)).contains("uid").contains("required");
    assertThatThrownBy(() -> contract.assertValid("createOrganization", 201, o.toString()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("createOrganization 201")
        .hasMessageContaining("uid");
  }

  @Test
  void organizationMissingAlwaysPresentFieldsFails() {
    for (String field : List.of("selfLink", "id", "createdAt", "updatedAt", "etag")) {
      ObjectNode o = organization();
      o.remove(field);
      assertThat(contract.violations("getOrganization", 200, o.toString()))
          .as("without %s", field)
          .singleElement().asString().contains("'" + field + "'");
    }
  }

  @Test
  void organizationWithUnknownFieldFailsNamingIt() {
    ObjectNode o = organization();
    o.put("foo", "bar");
    assertThatThrownBy(() -> contract.assertValid("createOrganization", 201, o.toString()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("foo")
        .hasMessageContaining("1 violation");
  }

  @Test
  void organizationWithNonUuidUidFails() {
    ObjectNode o = organization();
    o.put("uid", "org-1234");
    assertThat(contract.violations("createOrganization", 201, o.toString()))
        .singleElement().asString().contains("$.uid").contains("uuid");
  }

  @Test
  void organizationWithBadTimestampsFails() {
    ObjectNode o = organization();
    o.put("createdAt", "2025-11-29 12:00:00");
    o.put("updatedAt", "yesterday");
    List<String> v = contract.violations("createOrganization", 201, o.toString());
    assertThat(v).hasSize(2);
    assertThat(v.get(0)).contains("$.createdAt").contains("date-time");
    assertThat(v.get(1)).contains("$.updatedAt").contains("date-time");
  }

  @Test
  void organizationWithBadIdOrTypesFails() {
    ObjectNode o = organization();
    o.put("id", "Acme_Corp");
    o.put("etag", 7);
    o.put("displayName", 42);
    List<String> v = contract.violations("createOrganization", 201, o.toString());
    assertThat(String.join("\n", v)).contains("$.id").contains("$.etag").contains("$.displayName");
    assertThat(v).hasSize(3);
  }

  @Test
  void everyViolationIsListed() {
    ObjectNode o = organization();
    o.remove("uid");
    o.put("foo", 1);
    o.put("createdAt", "nope");
    assertThatThrownBy(() -> contract.assertValid("createOrganization", 201, o.toString()))
        .hasMessageContaining("3 violations")
        .hasMessageContaining("uid")
        .hasMessageContaining("foo")
        .hasMessageContaining("createdAt");
  }

  // ------------------------------------------------------------------ Project and lists

  private static ObjectNode project(String id, String uid) {
    ObjectNode p = JSON.createObjectNode();
    p.put("selfLink", "/v1/regions/global/projects/" + id);
    p.put("uid", uid);
    p.put("id", id);
    p.put("organizationId", "acme");
    p.put("createdAt", TS);
    p.put("updatedAt", TS);
    p.put("etag", "\"1-" + uid.substring(0, 8) + "\"");
    return p;
  }

  private static ObjectNode projectList() {
    ObjectNode list = JSON.createObjectNode();
    ArrayNode items = list.putArray("projects");
    items.add(project("training", UID));
    items.add(project("inference", UID2).put("displayName", "Inference").put("description", "prod"));
    list.put("nextPageToken", "eyJjIjoiMjAyNS0xMS0yOSJ9.c2ln");
    return list;
  }

  @Test
  void validProjectListPasses() {
    contract.assertValid("listProjects", 200, projectList().toString());
    ObjectNode lastPage = projectList();
    lastPage.remove("nextPageToken");
    contract.assertValid("listProjects", 200, lastPage.toString());
    contract.assertValid("listProjects", 200, "{\"projects\":[]}");
  }

  @Test
  void projectListWithUnknownFieldInAnItemFails() {
    ObjectNode list = projectList();
    ((ObjectNode) list.get("projects").get(1)).put("region", "us-texas-1");
    assertThatThrownBy(() -> contract.assertValid("listProjects", 200, list.toString()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("$.projects[1]")
        .hasMessageContaining("region");
  }

  @Test
  void projectListWithUnknownTopLevelFieldOrWithoutItemsFails() {
    ObjectNode list = projectList();
    list.put("totalSize", 2);
    assertThat(contract.violations("listProjects", 200, list.toString())).singleElement().asString().contains("totalSize");
    assertThat(contract.violations("listProjects", 200, "{\"nextPageToken\":\"x\"}"))
        .singleElement().asString().contains("projects");
  }

  @Test
  void projectRequiresOrganizationIdAndEtag() {
    ObjectNode p = project("training", UID);
    p.remove("organizationId");
    p.remove("etag");
    assertThat(String.join("\n", contract.violations("createProject", 201, p.toString())))
        .contains("organizationId").contains("etag");
  }

  @Test
  void organizationListUsesTheSameStrictItems() {
    ObjectNode list = JSON.createObjectNode();
    list.putArray("organizations").add(organization());
    contract.assertValid("listOrganizations", 200, list.toString());
    ((ObjectNode) list.get("organizations").get(0)).remove("etag");
    assertThat(contract.violations("listOrganizations", 200, list.toString()))
        .singleElement().asString().contains("$.organizations[0]").contains("etag");
  }

  // ------------------------------------------------------------------ Error

  @Test
  void errorEnvelopePasses() {
    contract.assertValid("getOrganization", 404, "{\"error\":{\"code\":404,\"message\":\"x\",\"details\":[]}}");
    assertThat(contract.violations("getOrganization", 404, "{\"error\":{\"code\":404,\"message\":\"x\"}}"))
        .singleElement().asString().contains("details");
    // details items are free-form objects
    contract.assertValid("createProject", 400, "{\"error\":{\"code\":400,\"message\":\"bad\",\"details\":["
        + "{\"@type\":\"BadRequest\",\"fieldViolations\":[{\"field\":\"id\",\"description\":\"pattern\"}]},"
        + "{\"@type\":\"ErrorInfo\",\"reason\":\"INVALID_ID\",\"metadata\":{\"id\":\"A\"}}]}}");
  }

  @Test
  void errorWithStringCodeFails() {
    List<String> v = contract.violations("getOrganization", 404, "{\"error\":{\"code\":\"NOT_FOUND\"}}");
    assertThat(String.join("\n", v)).contains("$.error.code").contains("integer");
    assertThatThrownBy(() -> contract.assertValid("getOrganization", 404, "{\"error\":{\"code\":\"NOT_FOUND\"}}"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("$.error.code");
  }

  @Test
  void errorOutsideTheEnvelopeFails() {
    // the shape of the contract's own Conflict examples
    assertThat(contract.violations("createGroup", 409, "{\"code\":\"CONFLICT\",\"message\":\"exists\"}"))
        .anySatisfy(s -> assertThat(s).contains("code"))
        .anySatisfy(s -> assertThat(s).contains("'error'"));
    assertThat(contract.violations("getOrganization", 404,
        "{\"error\":{\"code\":404,\"message\":\"x\",\"details\":[],\"status\":\"NOT_FOUND\"}}"))
        .singleElement().asString().contains("status");
  }

  @Test
  void documentedExtraErrorStatusesUseTheErrorSchema() {
    contract.assertValid("createOrganization", 409, "{\"error\":{\"code\":409,\"message\":\"exists\",\"details\":[]}}");
    contract.assertValid("updateProject", 412, "{\"error\":{\"code\":412,\"message\":\"etag mismatch\",\"details\":[]}}");
    assertThat(contract.violations("deleteOrganization", 412, "{\"error\":{}}")).hasSize(3);
  }

  // ------------------------------------------------------------------ lookups

  @Test
  void unknownOperationOrStatusIsAnIllegalArgument() {
    assertThatThrownBy(() -> contract.violations("createOrganisation", 201, "{}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown operationId 'createOrganisation'");
    assertThatThrownBy(() -> contract.assertValid("createOrganization", 418, "{}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("createOrganization")
        .hasMessageContaining("418")
        .hasMessageContaining("201");
    assertThatThrownBy(() -> contract.violations("getOrganization", 201, "{}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void noContentResponsesExpectNoBody() {
    contract.assertValid("deleteOrganization", 204, "");
    contract.assertValid("deleteProject", 204, null);
    assertThat(contract.violations("deleteOrganization", 204, "{}")).singleElement().asString().contains("no body");
  }

  @Test
  void malformedBodiesAreViolations() {
    assertThat(contract.violations("getOrganization", 200, "{\"id\":")).singleElement().asString().contains("not valid JSON");
    assertThat(contract.violations("getOrganization", 200, "")).singleElement().asString().contains("empty body");
    String dup = organization().toString().replace("{", "{\"id\":\"x\",");
    assertThat(contract.violations("getOrganization", 200, dup)).singleElement().asString().contains("not valid JSON");
  }

  @Test
  void nonJsonResponsesAreRejectedAsArguments() {
    assertThatThrownBy(() -> contract.violations("downloadKubeconfig", 200, "apiVersion: v1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("application/yaml");
  }

  // ------------------------------------------------------------------ compositions and 3.1 keywords

  private static ObjectNode apiKey() {
    ObjectNode k = JSON.createObjectNode();
    k.put("selfLink", "/v1/regions/global/iam/apikeys/ci-key");
    k.put("uid", UID);
    k.put("id", "ci-key");
    k.put("displayName", "CI key");
    k.put("scope", "project");
    k.put("scopeId", "training");
    k.put("status", "active");
    k.put("createdAt", TS);
    k.put("createdBy", "user-xyz789");
    k.put("organizationId", "acme");
    k.putArray("roles");
    k.put("expiresAt", TS);
    k.put("updatedAt", TS);
    k.put("etag", "\"1-abcdef12\"");
    return k;
  }

  @Test
  void allOfCompositionIsClosedAtTheTopAndOpenInside() {
    ObjectNode k = apiKey().put("secret", "plt_sk_ci-key_abc");
    contract.assertValid("createApiKey", 201, k.toString());
    contract.assertValid("getApiKey", 200, apiKey().toString());
    // the secret is only part of the create/rotate responses
    assertThat(contract.violations("getApiKey", 200, k.toString())).singleElement().asString().contains("secret");
    assertThat(contract.violations("createApiKey", 201, apiKey().toString()))
        .singleElement().asString().contains("secret");
    assertThat(contract.violations("createApiKey", 201, k.deepCopy().put("foo", 1).toString()))
        .singleElement().asString().contains("foo");
    assertThat(contract.violations("createApiKey", 201, k.deepCopy().put("status", "gone").toString()))
        .singleElement().asString().contains("$.status");
  }

  @Test
  void oneOfAlternativesAreEachClosed() {
    contract.assertValid("introspectToken", 200, "{\"active\":false}");
    assertThat(contract.violations("introspectToken", 200, "{\"active\":false,\"sub\":\"user-1\"}")).isNotEmpty();
  }

  @Test
  void writeOnlyPropertiesMustNotAppearInResponses() {
    ObjectNode p = JSON.createObjectNode();
    p.put("id", "customer-a");
    p.put("uid", UID);
    p.put("displayName", "Customer A OIDC");
    p.put("enabled", true);
    p.put("tenantDomain", "customer-a.example");
    p.putObject("oidcConfig").put("discoveryUrl", "https://idp.example/.well-known/openid-configuration")
        .put("clientId", "abc");
    p.put("createdAt", TS);
    contract.assertValid("getProvider", 200, p.toString());
    ((ObjectNode) p.get("oidcConfig")).put("clientSecret", "s3cr3t");
    assertThat(contract.violations("getProvider", 200, p.toString()))
        .singleElement().asString().contains("$.oidcConfig.clientSecret");
  }

  @Test
  void derivedSchemaIsPlain2020_12WithDefs() {
    JsonNode s = contract.strictSchema("createOrganization", 201);
    assertThat(s.get("$schema").asText()).isEqualTo(SchemaId.V202012);
    assertThat(s.get("$ref").asText()).isEqualTo("#/$defs/Organization");
    JsonNode org = s.get("$defs").get("Organization");
    assertThat(org.get("additionalProperties").asBoolean(true)).isFalse();
    assertThat(org.get("required")).extracting(JsonNode::asText)
        .containsExactly("selfLink", "uid", "id", "createdAt", "updatedAt", "etag");
    assertThat(org.get("properties").get("selfLink").get("format").asText()).isEqualTo("uri-reference");
    assertThat(org.get("properties").get("id").has("example")).isFalse();
    assertThat(s.toString()).doesNotContain("#/components/").doesNotContain("\"x-").doesNotContain("discriminator");
    JsonNode error = s.get("$defs").get("Error");
    JsonNode details = error.get("properties").get("error").get("properties").get("details");
    assertThat(details.get("items").has("additionalProperties")).isFalse();
    assertThat(contract.strictSchema("deleteOrganization", 204)).isNull();
  }

  @Test
  void everyDeclaredResponseDerivesAValid2020_12Schema() {
    JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    JsonSchema meta = factory.getSchema(SchemaLocation.of(SchemaId.V202012));
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (Map.Entry<String, List<String>> op : contract.declaredResponses().entrySet()) {
      for (String status : op.getValue()) {
        if (!status.matches("\\d{3}")) {
          continue; // "default" or "4XX": the upstream contract has none today
        }
        int code = Integer.parseInt(status);
        JsonNode schema = contract.strictSchema(op.getKey(), code);
        if (schema == null || op.getKey().equals("downloadKubeconfig") && code == 200) {
          continue;
        }
        meta.validate(schema).forEach(m -> problems.add(op.getKey() + " " + status + ": " + m.getMessage()));
        // compiles, resolves every $ref, and judges a body
        contract.violations(op.getKey(), code, "{}");
        checked++;
      }
    }
    assertThat(problems).isEmpty();
    assertThat(contract.declaredResponses()).hasSize(96);
    assertThat(checked).isGreaterThan(300);
  }

  // ------------------------------------------------------------------ rules the upstream contract does not exercise

  /** A small contract with what the upstream one lacks today: examples, nullable, a non-mergeable allOf, default. */
  private static final String WIDGETS = """
      openapi: 3.1.0
      info: {title: widgets, version: '1'}
      paths:
        /widgets:
          get:
            operationId: listWidgets
            responses:
              '200':
                description: ok
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        widgets: {type: array, items: {$ref: '#/components/schemas/Widget'}}
                        nextPageToken: {type: string}
                    examples:
                      full:
                        value: {widgets: [{id: w1, name: n, color: red, size: {h: 1}}], nextPageToken: t}
          post:
            operationId: createWidget
            responses:
              '201':
                description: created
                content:
                  application/json:
                    schema:
                      allOf:
                        - $ref: '#/components/schemas/Widget'
                        - oneOf:
                            - {type: object, properties: {round: {type: boolean}}, required: [round]}
                            - {type: object, properties: {sides: {type: integer}}, required: [sides]}
              default:
                description: error
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Error'}
      components:
        schemas:
          Widget:
            type: object
            x-status: mvp
            discriminator: {propertyName: color}
            properties:
              id: {type: string}
              name: {type: string, nullable: true}
              color: {type: string, enum: [red, blue]}
              size: {type: object, properties: {h: {type: integer}, w: {type: integer}}}
              labels: {type: object, additionalProperties: {type: string}}
            example: {id: w1, color: red}
          Error:
            type: object
            properties:
              message: {type: string}
      """;

  private static ContractSchemas widgets(Path dir) throws IOException {
    Path file = dir.resolve("widgets.yaml");
    Files.writeString(file, WIDGETS);
    return ContractSchemas.load(file, ContractSchemas.Rules.none());
  }

  @Test
  void schemaExamplesMakeTheirPropertiesRequired(@TempDir Path dir) throws IOException {
    ContractSchemas w = widgets(dir);
    w.assertValid("createWidget", 201, "{\"id\":\"w1\",\"color\":\"red\",\"round\":true}");
    assertThat(w.violations("createWidget", 201, "{\"color\":\"red\",\"round\":true}"))
        .singleElement().asString().contains("'id'");
  }

  @Test
  void responseExamplesMakeTheirPropertiesRequiredRecursively(@TempDir Path dir) throws IOException {
    ContractSchemas w = widgets(dir);
    String full = "{\"widgets\":[{\"id\":\"w1\",\"name\":null,\"color\":\"blue\",\"size\":{\"h\":2}}],"
        + "\"nextPageToken\":\"t\"}";
    w.assertValid("listWidgets", 200, full);
    assertThat(w.violations("listWidgets", 200, full.replace(",\"nextPageToken\":\"t\"", "")))
        .singleElement().asString().contains("nextPageToken");
    assertThat(w.violations("listWidgets", 200, full.replace("\"name\":null,", "")))
        .singleElement().asString().contains("$.widgets[0]").contains("'name'");
    assertThat(w.violations("listWidgets", 200, full.replace("{\"h\":2}", "{\"w\":2}")))
        .singleElement().asString().contains("$.widgets[0].size").contains("'h'");
  }

  @Test
  void compositionsThatCannotBeMergedCloseWithUnevaluatedProperties(@TempDir Path dir) throws IOException {
    ContractSchemas w = widgets(dir);
    assertThat(w.strictSchema("createWidget", 201).get("unevaluatedProperties").asBoolean(true)).isFalse();
    w.assertValid("createWidget", 201, "{\"id\":\"w1\",\"color\":\"red\",\"sides\":3,\"labels\":{\"a\":\"b\"}}");
    assertThat(w.violations("createWidget", 201, "{\"id\":\"w1\",\"color\":\"red\",\"round\":true,\"foo\":1}"))
        .singleElement().asString().contains("foo");
    assertThat(w.violations("createWidget", 201, "{\"id\":\"w1\",\"color\":\"red\",\"round\":true,\"size\":{\"d\":1}}"))
        .singleElement().asString().contains("$.size").contains("d");
    assertThat(w.violations("createWidget", 201, "{\"id\":\"w1\",\"color\":\"red\",\"round\":true,\"labels\":{\"a\":1}}"))
        .singleElement().asString().contains("$.labels.a");
    assertThat(w.violations("createWidget", 201, "{\"id\":\"w1\",\"color\":\"red\"}")).isNotEmpty();
  }

  @Test
  void openApiKeywordsAreTranslated(@TempDir Path dir) throws IOException {
    ContractSchemas w = widgets(dir);
    JsonNode widget = w.strictSchema("createWidget", 201).get("$defs").get("Widget");
    assertThat(widget.has("discriminator")).isFalse();
    assertThat(widget.has("x-status")).isFalse();
    assertThat(widget.has("example")).isFalse();
    assertThat(widget.get("properties").get("name").get("type")).extracting(JsonNode::asText).containsExactly("string", "null");
    assertThat(w.notes()).anySatisfy(n -> assertThat(n).contains("nullable"));
    // 'default' answers every status the operation does not list
    w.assertValid("createWidget", 503, "{\"message\":\"down\"}");
    assertThat(w.violations("createWidget", 400, "{\"msg\":\"x\"}")).singleElement().asString().contains("msg");
  }

  // ------------------------------------------------------------------ rules and notes

  @Test
  void withoutOurRulesOnlyTheContractIsEnforced() {
    ContractSchemas bare = ContractSchemas.load(contract.contractFile(), ContractSchemas.Rules.none());
    ObjectNode o = organization();
    // Organization has no createdAt/updatedAt/etag in the contract: closed, they are unknown fields
    assertThat(String.join("\n", bare.violations("createOrganization", 201, o.toString())))
        .contains("createdAt").contains("updatedAt").contains("etag");
    assertThat(bare.violations("createOrganization", 201, "{}")).isEmpty();
    assertThatThrownBy(() -> bare.violations("createOrganization", 409, "{}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rulesAreCheckedAgainstTheContract() {
    var undeclared = new ContractSchemas.Rules(Map.of(), Map.of("Project", List.of("etag")), Map.of());
    assertThatThrownBy(() -> ContractSchemas.load(contract.contractFile(), undeclared))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Project declares no property 'etag'");
    var throughRef = new ContractSchemas.Rules(Map.of(), Map.of("listProjects:200/projects", List.of("id")), Map.of());
    assertThatThrownBy(() -> ContractSchemas.load(contract.contractFile(), throughRef))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("#/components/schemas/Project");
    var redundant = new ContractSchemas.Rules(
        Map.of("Project", Map.of("createdAt", "{\"type\":\"string\"}")), Map.of(), Map.of("createGroup", Set.of(409)));
    ContractSchemas r = ContractSchemas.load(contract.contractFile(), redundant);
    assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("Project.createdAt"))
        .anySatisfy(n -> assertThat(n).contains("createGroup 409"));
  }

  @Test
  void contractIsFoundWithoutTheSystemPropertyToo() throws IOException {
    String saved = System.getProperty(ContractSchemas.SHARED_DIR_PROPERTY);
    try {
      System.clearProperty(ContractSchemas.SHARED_DIR_PROPERTY);
      Path walked = ContractSchemas.locateContract();
      assertThat(Files.isSameFile(walked, contract.contractFile())).isTrue();
      System.setProperty(ContractSchemas.SHARED_DIR_PROPERTY, "/nonexistent");
      assertThat(Files.isSameFile(ContractSchemas.locateContract(), walked)).isTrue();
    } finally {
      if (saved == null) {
        System.clearProperty(ContractSchemas.SHARED_DIR_PROPERTY);
      } else {
        System.setProperty(ContractSchemas.SHARED_DIR_PROPERTY, saved);
      }
    }
  }

  @Test
  void notesReportTheContractDefectsWorkedAround() {
    assertThat(contract.notes())
        .anySatisfy(n -> assertThat(n).contains("#/components/responses/Conflict").contains("[code, message]"))
        .anySatisfy(n -> assertThat(n).contains("uri-reference"));
  }
}
