package io.k0rdent.api.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Our own OpenAPI 3.1 document ({@code openapi/k0rdent-api.yaml} on the class path), the single source of
 * the routes, their visibility ({@code x-visibility}), the permission each needs ({@code x-permission})
 * and the request body schemas. Loaded once; immutable afterwards.
 */
public final class ApiDocument {

  /**
   * JSON mapper shared by the router (thread-safe once configured). Strict: trailing content after the
   * value and duplicate object keys are errors.
   */
  public static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final Set<String> METHODS = Set.of("get", "put", "post", "patch", "delete");

  /** One operation: HTTP method (upper case), OpenAPI path template, and what the document says of it. */
  public record Operation(String operationId, String method, String path, List<String> visibility,
                          String permission, boolean secured, List<String> requestContentTypes,
                          String requestSchema, boolean requestBodyRequired) {}

  private final ObjectNode root;
  private final List<Operation> operations;

  private ApiDocument(ObjectNode root) {
    this.root = root;
    this.operations = parseOperations(root);
  }

  /** Loads the document from the class path. */
  public static ApiDocument load() {
    try (InputStream in = ApiDocument.class.getResourceAsStream("/openapi/k0rdent-api.yaml")) {
      if (in == null) {
        throw new IllegalStateException("openapi/k0rdent-api.yaml is missing from the class path");
      }
      // duplicate keys are an error: a second schema of the same name must never silently replace the first
      ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      return new ApiDocument((ObjectNode) yaml.readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Operation> parseOperations(ObjectNode root) {
    List<Operation> ops = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> paths = root.path("paths").fields();
    while (paths.hasNext()) {
      var p = paths.next();
      Iterator<Map.Entry<String, JsonNode>> methods = p.getValue().fields();
      while (methods.hasNext()) {
        var m = methods.next();
        if (!METHODS.contains(m.getKey())) {
          continue;
        }
        JsonNode op = m.getValue();
        List<String> vis = new ArrayList<>();
        op.path("x-visibility").forEach(v -> vis.add(v.asText()));
        boolean secured = !(op.has("security") && op.get("security").isEmpty());
        List<String> types = new ArrayList<>();
        String schema = null;
        JsonNode content = op.path("requestBody").path("content");
        Iterator<String> names = content.fieldNames();
        while (names.hasNext()) {
          String type = names.next();
          types.add(type);
          String ref = content.path(type).path("schema").path("$ref").asText(null);
          if (ref != null && schema == null) {
            schema = ref.substring(ref.lastIndexOf('/') + 1);
          }
        }
        ops.add(new Operation(op.path("operationId").asText(), m.getKey().toUpperCase(), p.getKey(),
            List.copyOf(vis), op.path("x-permission").asText(null), secured, List.copyOf(types), schema,
            op.path("requestBody").path("required").asBoolean(false)));
      }
    }
    return List.copyOf(ops);
  }

  /**
   * A copy of this document with more path items (OpenAPI path → path item), for extensions and tests;
   * a path already present is replaced.
   */
  public ApiDocument withPaths(ObjectNode morePaths) {
    ObjectNode copy = root.deepCopy();
    ((ObjectNode) copy.get("paths")).setAll(morePaths.deepCopy());
    return new ApiDocument(copy);
  }

  public List<Operation> operations() {
    return operations;
  }

  /** {@code components.schemas}, as written. */
  public ObjectNode schemas() {
    return (ObjectNode) root.path("components").path("schemas");
  }

  /**
   * The document as served on {@code face}: only the operations that face serves, without our
   * {@code x-*} routing annotations. Paths left empty are dropped.
   */
  public byte[] renderFor(Face face, String version) {
    ObjectNode doc = root.deepCopy();
    ((ObjectNode) doc.get("info")).put("version", version);
    ObjectNode paths = (ObjectNode) doc.get("paths");
    List<String> emptyPaths = new ArrayList<>();
    paths.fields().forEachRemaining(p -> {
      ObjectNode item = (ObjectNode) p.getValue();
      List<String> drop = new ArrayList<>();
      item.fields().forEachRemaining(m -> {
        if (!METHODS.contains(m.getKey())) {
          return;
        }
        List<String> vis = new ArrayList<>();
        m.getValue().path("x-visibility").forEach(v -> vis.add(v.asText()));
        if (!face.serves(vis)) {
          drop.add(m.getKey());
        }
      });
      item.remove(drop);
      if (item.properties().stream().noneMatch(e -> METHODS.contains(e.getKey()))) {
        emptyPaths.add(p.getKey());
      }
    });
    paths.remove(emptyPaths);
    pruneUnreferenced(doc);
    stripExtensions(doc);
    try {
      return JSON.writeValueAsBytes(doc);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Drops the components and tags no remaining operation uses (directly or through other components), so a
   * face's document says nothing of the operations it does not serve.
   */
  private static void pruneUnreferenced(ObjectNode doc) {
    ObjectNode components = (ObjectNode) doc.get("components");
    java.util.Set<String> used = new java.util.HashSet<>();
    java.util.Deque<JsonNode> todo = new java.util.ArrayDeque<>();
    todo.add(doc.get("paths"));
    if (doc.has("security")) {
      todo.add(doc.get("security"));
    }
    while (!todo.isEmpty()) {
      JsonNode n = todo.pop();
      if (n.isObject()) {
        JsonNode ref = n.get("$ref");
        if (ref != null && ref.isTextual() && ref.asText().startsWith("#/components/") && used.add(ref.asText())) {
          String[] parts = ref.asText().substring("#/components/".length()).split("/", 2);
          JsonNode target = components == null ? null : components.path(parts[0]).get(parts[1]);
          if (target != null) {
            todo.add(target);
          }
        }
      }
      n.elements().forEachRemaining(todo::add);
    }
    if (components != null) {
      components.fields().forEachRemaining(kind -> {
        if (kind.getKey().equals("securitySchemes") || !kind.getValue().isObject()) {
          return;
        }
        List<String> drop = new ArrayList<>();
        kind.getValue().fieldNames().forEachRemaining(name -> {
          if (!used.contains("#/components/" + kind.getKey() + "/" + name)) {
            drop.add(name);
          }
        });
        ((ObjectNode) kind.getValue()).remove(drop);
      });
    }
    java.util.Set<String> tags = new java.util.HashSet<>();
    doc.path("paths").forEach(item -> item.forEach(op -> op.path("tags").forEach(t -> tags.add(t.asText()))));
    if (doc.get("tags") instanceof ArrayNode all) {
      for (int i = all.size() - 1; i >= 0; i--) {
        if (!tags.contains(all.get(i).path("name").asText())) {
          all.remove(i);
        }
      }
    }
  }

  private static void stripExtensions(JsonNode node) {
    if (node instanceof ObjectNode o) {
      List<String> drop = new ArrayList<>();
      o.fieldNames().forEachRemaining(n -> {
        if (n.startsWith("x-k0rdent")) {
          drop.add(n);
        }
      });
      o.remove(drop);
      o.elements().forEachRemaining(ApiDocument::stripExtensions);
    } else if (node instanceof ArrayNode a) {
      a.elements().forEachRemaining(ApiDocument::stripExtensions);
    }
  }
}
