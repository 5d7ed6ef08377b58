package io.k0rdent.api.core.event;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One change event of the control plane, a CloudEvents 1.0 event
 * (<a href="https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md">CloudEvents 1.0.2 spec</a>), rendered
 * in the structured content mode of the JSON event format
 * (<a href="https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md">JSON format</a>):
 * one JSON object holding the context attributes and the data ({@link #toJson()}).
 *
 * <p>Context attributes (spec, "Context Attributes": "REQUIRED Attributes" and "OPTIONAL Attributes"):
 * <ul>
 *   <li>{@code specversion}: always {@value #SPEC_VERSION};</li>
 *   <li>{@code id} (required, non-empty): unique per {@code source}; this API uses a random UUID
 *       ({@link #of}), which the outbox requires (its table keys events by a {@code uuid});</li>
 *   <li>{@code source} (required, non-empty URI-reference): who emitted it, e.g.
 *       {@code //api.k0rdent.io/regions/global};</li>
 *   <li>{@code type} (required, non-empty): reverse-DNS, e.g.
 *       {@code ai.k0rdent.resourcemanager.project.created};</li>
 *   <li>{@code subject} (optional): the resource's selfLink;</li>
 *   <li>{@code time} (optional, RFC 3339 "Timestamp"): when the change happened, UTC;</li>
 *   <li>{@code datacontenttype} (optional, RFC 2046): {@value #JSON} whenever {@code data} is present;</li>
 *   <li>{@code data} (optional; spec "Event Data"): a JSON object, the resource after the change (or its id for a
 *       delete); in the JSON format it is the member {@code data}, as JSON, not as a string (JSON format §3.1
 *       "Handling of data").</li>
 * </ul>
 *
 * <p>Extension context attributes (spec, "Extension Context Attributes"); their names follow the spec's "Attribute
 * Naming Convention" (lower-case ASCII letters and digits only, at most 20 characters):
 * {@value #ACTOR_ID} (the principal's id), {@value #ACTOR_TYPE} ({@code user}, {@code serviceAccount}, ...),
 * {@value #REQUEST_ID} (the API request's {@code X-Request-Id}) and {@value #SOURCE_ADDRESS} (the caller's IP
 * address). Each is a String (spec, "Type System"). A null attribute is omitted from the JSON (JSON format §3
 * "Envelope" makes only the attributes that are not omitted members), and a JSON {@code null} reads as unset (JSON
 * format §2.2).
 *
 * <p>Secrets never belong in an event: callers put the stored, secret-free resource in {@code data}.
 *
 * @param id              required, non-empty
 * @param source          required, non-empty
 * @param type            required, non-empty
 * @param subject         nullable
 * @param time            nullable; rendered with {@link Instant#toString()} (RFC 3339, UTC, {@code Z})
 * @param datacontenttype nullable
 * @param data            nullable; the record keeps a copy, so later changes to the argument do not reach it
 * @param actorId         nullable; extension {@value #ACTOR_ID}
 * @param actorType       nullable; extension {@value #ACTOR_TYPE}
 * @param requestId       nullable; extension {@value #REQUEST_ID}
 * @param sourceAddress   nullable; extension {@value #SOURCE_ADDRESS}
 * @param actorCredential nullable; extension {@value #ACTOR_CREDENTIAL}
 */
public record CloudEvent(String id, String source, String type, String subject, Instant time,
                         String datacontenttype, JsonObject data, String actorId, String actorType,
                         String requestId, String sourceAddress, String actorCredential) {

  /** The CloudEvents version of every event (attribute {@code specversion}, spec "REQUIRED Attributes"). */
  public static final String SPEC_VERSION = "1.0";
  /** The {@code datacontenttype} of JSON data. */
  public static final String JSON = "application/json";
  /**
   * The media type of a whole event in the JSON format (JSON format §3 "Envelope"); the Kafka protocol binding's
   * structured content mode puts it in the record's {@code content-type} header (Kafka binding §3.3.1).
   */
  public static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents+json";
  /** Extension attribute: the acting principal's id. */
  public static final String ACTOR_ID = "actorid";
  /** Extension attribute: the acting principal's type. */
  public static final String ACTOR_TYPE = "actortype";
  /** Extension attribute: the request id of the API call that made the change. */
  public static final String REQUEST_ID = "requestid";
  /** Extension attribute: the network address the API call came from. */
  public static final String SOURCE_ADDRESS = "sourceaddress";
  /**
   * Extension attribute: the credential the actor's token was minted with (an API key's id, a service-account
   * credential's id), so that two keys of one owner can be told apart.
   */
  public static final String ACTOR_CREDENTIAL = "actorcredential";

  /** The spec's "Attribute Naming Convention". */
  private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-z0-9]{1,20}");

  /**
   * Checks the required attributes and copies {@code data}.
   *
   * @throws IllegalArgumentException when {@code id}, {@code source} or {@code type} is null or empty (spec,
   *                                  "REQUIRED Attributes")
   */
  /** An event without {@value #ACTOR_CREDENTIAL}. */
  public CloudEvent(String id, String source, String type, String subject, Instant time, String datacontenttype,
                    JsonObject data, String actorId, String actorType, String requestId, String sourceAddress) {
    this(id, source, type, subject, time, datacontenttype, data, actorId, actorType, requestId, sourceAddress, null);
  }

  public CloudEvent {
    requireNonEmpty("id", id);
    requireNonEmpty("source", source);
    requireNonEmpty("type", type);
    data = data == null ? null : data.copy();
  }

  /**
   * A new event with a random UUID {@code id}, {@code datacontenttype} {@value #JSON} when {@code data} is present,
   * and no extension attributes (add them with {@link #withContext}).
   *
   * @param source  the emitter (URI-reference)
   * @param type    the event type (reverse-DNS)
   * @param subject the resource's selfLink; nullable
   * @param time    when the change happened; nullable
   * @param data    the resource after the change, or its id for a delete; nullable
   */
  public static CloudEvent of(String source, String type, String subject, Instant time, JsonObject data) {
    return new CloudEvent(UUID.randomUUID().toString(), source, type, subject, time, data == null ? null : JSON,
        data, null, null, null, null);
  }

  /**
   * This event with the four extension attributes replaced (each nullable).
   *
   * @return a new record; this one is unchanged
   */
  public CloudEvent withContext(String actorId, String actorType, String requestId, String sourceAddress) {
    return withContext(actorId, actorType, requestId, sourceAddress, null);
  }

  /** This event with the five extension attributes replaced (each nullable). */
  public CloudEvent withContext(String actorId, String actorType, String requestId, String sourceAddress,
                                String actorCredential) {
    return new CloudEvent(id, source, type, subject, time, datacontenttype, data, actorId, actorType, requestId,
        sourceAddress, actorCredential);
  }

  /** The data (a copy: the record stays immutable), or null. */
  @Override
  public JsonObject data() {
    return data == null ? null : data.copy();
  }

  /**
   * The event in the JSON format (JSON format §3 "Envelope"), the value of a structured-mode Kafka record (Kafka
   * binding §3.3.2): {@code specversion}, the attributes that are set, then {@code data}; null attributes are left
   * out.
   *
   * @return a new object each call
   */
  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("specversion", SPEC_VERSION)
        .put("id", id)
        .put("source", source)
        .put("type", type);
    putIfSet(j, "subject", subject);
    putIfSet(j, "time", time == null ? null : time.toString());
    putIfSet(j, "datacontenttype", datacontenttype);
    putIfSet(j, ACTOR_ID, actorId);
    putIfSet(j, ACTOR_TYPE, actorType);
    putIfSet(j, REQUEST_ID, requestId);
    putIfSet(j, SOURCE_ADDRESS, sourceAddress);
    putIfSet(j, ACTOR_CREDENTIAL, actorCredential);
    if (data != null) {
      j.put("data", data.copy());
    }
    return j;
  }

  /**
   * Reads an event written by {@link #toJson()} (or any structured-mode JSON event whose {@code data} is an
   * object). Extension attributes other than the five of this API are ignored.
   *
   * @throws IllegalArgumentException when {@code specversion} is not {@value #SPEC_VERSION}, a required attribute is
   *                                  missing, {@code time} is not RFC 3339, or a member has the wrong JSON type
   */
  public static CloudEvent fromJson(JsonObject j) {
    Objects.requireNonNull(j, "json");
    try {
      if (!SPEC_VERSION.equals(j.getString("specversion"))) {
        throw new IllegalArgumentException("specversion must be " + SPEC_VERSION);
      }
      String time = j.getString("time");
      return new CloudEvent(j.getString("id"), j.getString("source"), j.getString("type"), j.getString("subject"),
          time == null ? null : java.time.OffsetDateTime.parse(time).toInstant(), j.getString("datacontenttype"),
          j.getJsonObject("data"), j.getString(ACTOR_ID), j.getString(ACTOR_TYPE), j.getString(REQUEST_ID),
          j.getString(SOURCE_ADDRESS), j.getString(ACTOR_CREDENTIAL));
    } catch (ClassCastException | DateTimeParseException e) {
      throw new IllegalArgumentException("not a CloudEvents 1.0 JSON event: " + e.getMessage(), e);
    }
  }

  /**
   * Whether {@code name} is a valid CloudEvents attribute name (spec, "Attribute Naming Convention": lower-case
   * ASCII letters and digits; at most 20 characters, which the spec recommends and this API requires).
   */
  public static boolean validAttributeName(String name) {
    return name != null && ATTRIBUTE_NAME.matcher(name).matches();
  }

  private static void requireNonEmpty(String name, String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("CloudEvent attribute '" + name + "' is required and must be non-empty");
    }
  }

  private static void putIfSet(JsonObject j, String name, String value) {
    if (value != null) {
      j.put(name, value);
    }
  }
}
