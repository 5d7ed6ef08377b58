package io.k0rdent.api.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.error.ApiException.FieldViolation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Validates a request body against one schema of {@link ApiDocument} (JSON Schema 2020-12, networknt),
 * built once at start and then used concurrently. Failures are 400s whose {@code BadRequest} detail
 * names every offending field; a field the resource has but the request may not set is reported as
 * read-only rather than unknown.
 */
public final class BodyValidator {

  private final String schemaName;
  private final JsonSchema schema;
  private final Set<String> resourceFields;
  private final Set<String> requestFields;

  private BodyValidator(String schemaName, JsonSchema schema, Set<String> resourceFields, Set<String> requestFields) {
    this.schemaName = schemaName;
    this.schema = schema;
    this.resourceFields = resourceFields;
    this.requestFields = requestFields;
  }

  /** A validator for {@code components.schemas.<schemaName>} of {@code doc}. */
  public static BodyValidator create(ApiDocument doc, String schemaName) {
    ObjectNode defs = doc.schemas().deepCopy();
    rewriteRefs(defs);
    ObjectNode root = ApiDocument.JSON.createObjectNode();
    root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.set("$defs", defs);
    root.put("$ref", "#/$defs/" + schemaName);
    SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
        .formatAssertionsEnabled(true)
        .pathType(com.networknt.schema.PathType.JSON_PATH)
        .locale(java.util.Locale.ROOT)
        .build();
    JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(root, config);
    schema.initializeValidators();
    JsonNode own = doc.schemas().path(schemaName);
    Set<String> requestFields = new HashSet<>();
    own.path("properties").fieldNames().forEachRemaining(requestFields::add);
    Set<String> resourceFields = new HashSet<>();
    String resource = own.path("x-k0rdent-resource").asText(null);
    if (resource != null) {
      doc.schemas().path(resource).path("properties").fieldNames().forEachRemaining(resourceFields::add);
    }
    return new BodyValidator(schemaName, schema, Set.copyOf(resourceFields), Set.copyOf(requestFields));
  }

  private static void rewriteRefs(JsonNode node) {
    if (node instanceof ObjectNode o) {
      JsonNode ref = o.get("$ref");
      if (ref != null && ref.isTextual() && ref.asText().startsWith("#/components/schemas/")) {
        o.set("$ref", TextNode.valueOf("#/$defs/" + ref.asText().substring("#/components/schemas/".length())));
      }
      List<String> drop = new ArrayList<>();
      o.fieldNames().forEachRemaining(n -> {
        if (n.startsWith("x-") || n.equals("example")) {
          drop.add(n);
        }
      });
      o.remove(drop);
      o.elements().forEachRemaining(BodyValidator::rewriteRefs);
    } else if (node != null && node.isArray()) {
      node.elements().forEachRemaining(BodyValidator::rewriteRefs);
    }
  }

  /** At most this many field violations are listed in one answer. */
  public static final int MAX_VIOLATIONS = 20;
  private static final String EMPTY_NAME = "an empty field name (\"\") is not accepted";

  /**
   * Throws a 400 {@link ApiException} when {@code body} does not satisfy the schema, or when any string in
   * it holds text we cannot store faithfully or safely: U+0000, an unpaired surrogate, or a control
   * character other than tab, line feed and carriage return.
   */
  public void validate(JsonNode body) {
    if (!body.isObject()) {
      throw ApiException.badRequest("INVALID_ARGUMENT", "the request body must be a JSON object");
    }
    List<FieldViolation> violations = new ArrayList<>();
    int unknown = 0;
    Iterator<String> names = body.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!requestFields.contains(n)) {
        unknown++;
        if (violations.size() < MAX_VIOLATIONS) {
          violations.add(new FieldViolation(printable(n), resourceFields.contains(n)
              ? "field '" + n + "' is read-only here"
              : "unknown field '" + printable(n) + "'"));
        }
      }
    }
    if (unknown > MAX_VIOLATIONS) {
      // Not worth validating the rest: answer at once, without a huge list.
      fail(violations, unknown);
    }
    checkText(body, "", violations);
    if (violations.stream().anyMatch(v -> v.description().endsWith(EMPTY_NAME))) {
      fail(violations, violations.size()); // the schema library cannot even name such a field
    }
    java.util.Set<ValidationMessage> messages;
    try {
      messages = schema.validate(body);
    } catch (RuntimeException e) {
      throw ApiException.badRequest("INVALID_ARGUMENT", "the request body is not a valid " + schemaName);
    }
    for (ValidationMessage m : messages) {
      if ("additionalProperties".equals(m.getType()) || "unevaluatedProperties".equals(m.getType())) {
        // top-level unknown fields were reported above, with read-only ones told apart; nested ones here
        String loc = m.getInstanceLocation().toString();
        if (!loc.equals("$") && m.getProperty() != null) {
          String field = (loc.startsWith("$.") ? loc.substring(2) : loc) + "." + printable(m.getProperty());
          violations.add(new FieldViolation(field, "unknown field '" + field + "'"));
        }
        continue;
      }
      violations.add(new FieldViolation(fieldOf(m), describe(m)));
    }
    if (!violations.isEmpty()) {
      fail(violations, violations.size());
    }
  }

  private static void fail(List<FieldViolation> violations, int total) {
    violations.sort(Comparator.comparing(FieldViolation::field));
    List<FieldViolation> shown = violations.subList(0, Math.min(violations.size(), MAX_VIOLATIONS));
    String summary = total <= 1 ? shown.get(0).description()
        : total + " fields are invalid" + (total > shown.size() ? " (the first " + shown.size() + " are listed)" : "");
    throw ApiException.invalidArgument(summary, shown);
  }

  private static void checkText(JsonNode node, String path, List<FieldViolation> violations) {
    if (node.isTextual()) {
      String bad = badCharacter(node.textValue());
      if (bad != null) {
        String field = path.isEmpty() ? "body" : path;
        violations.add(new FieldViolation(field, field + ": " + bad));
      }
    } else if (node.isObject()) {
      node.fields().forEachRemaining(e -> {
        if (e.getKey().isEmpty()) {
          String field = path.isEmpty() ? "body" : path;
          violations.add(new FieldViolation(field, field + ": " + EMPTY_NAME));
        }
        checkText(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), violations);
      });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkText(node.get(i), path + "[" + i + "]", violations);
      }
    }
  }

  /** Why {@code s} cannot be accepted, or null when it can. */
  public static String badCharacter(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return "contains an unpaired surrogate (not valid Unicode text)";
      }
      if (Character.isLowSurrogate(c)) {
        return "contains an unpaired surrogate (not valid Unicode text)";
      }
      if (c == 0) {
        return "contains U+0000";
      }
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7f && c < 0xa0)) {
        return String.format("contains the control character U+%04X", (int) c);
      }
    }
    return null;
  }

  private static String printable(String name) {
    String cut = name.length() > 64 ? name.substring(0, 64) + "…" : name;
    return badCharacter(cut) == null ? cut : cut.codePoints()
        .mapToObj(cp -> Character.isISOControl(cp) || Character.isSurrogate((char) cp) ? "?" : Character.toString(cp))
        .reduce("", String::concat);
  }

  private static String fieldOf(ValidationMessage m) {
    String loc = m.getInstanceLocation().toString();
    String field = loc.startsWith("$.") ? loc.substring(2) : loc.equals("$") ? "" : loc;
    if ("required".equals(m.getType()) && m.getProperty() != null) {
      field = field.isEmpty() ? m.getProperty() : field + "." + m.getProperty();
    }
    return field.isEmpty() ? "body" : field;
  }

  private static String describe(ValidationMessage m) {
    String msg = m.getMessage();
    if ("format".equals(m.getType()) && msg.contains("date-time")) {
      return fieldOf(m) + ": must be an RFC 3339 date-time such as 2027-01-31T12:00:00Z";
    }
    // networknt prefixes messages with the instance location; keep the human part.
    int colon = msg.indexOf(": ");
    String tail = colon > 0 && msg.startsWith("$") ? msg.substring(colon + 2) : msg;
    return fieldOf(m) + ": " + tail;
  }

  @Override
  public String toString() {
    return "BodyValidator[" + schemaName + "]";
  }
}
