package io.k0rdent.api.core.error;

import java.util.List;
import java.util.Map;

/**
 * The one exception every layer throws for a request that cannot be served as asked. It carries the
 * HTTP status and the contract's error body parts: {@code {"error":{"code":status,"message",
 * "details":[...]}}} (upstream {@code components.schemas.Error}). The router's failure handler is the
 * only place that turns it into a response; anything else escaping a handler is a 500.
 *
 * <p>{@code details} items follow the Google API error model used by ARCHITECTURE.md §1:
 * {@code {"@type":"ErrorInfo","reason":...,"metadata":{...}}} and
 * {@code {"@type":"BadRequest","fieldViolations":[{"field","description"}]}}.
 */
public class ApiException extends RuntimeException {

  private final int status;
  private final String reason;
  private final List<Map<String, Object>> details;
  private final Map<String, String> metadata;

  /**
   * @param status  HTTP status, 400..599
   * @param reason  machine-readable reason in UPPER_SNAKE_CASE, reported as an {@code ErrorInfo} detail
   * @param message human-readable message, safe to show to the caller (never a secret)
   * @param details further detail objects, may be empty
   */
  public ApiException(int status, String reason, String message, List<Map<String, Object>> details) {
    super(message, null, false, false);
    this.status = status;
    this.reason = reason;
    this.details = List.copyOf(details);
    this.metadata = Map.of();
  }

  private ApiException(ApiException e, Map<String, String> metadata) {
    super(e.getMessage(), null, false, false);
    this.status = e.status;
    this.reason = e.reason;
    this.details = e.details;
    this.metadata = Map.copyOf(metadata);
  }

  /** The same error with {@code metadata} for its {@code ErrorInfo} detail (string → string, as AIP-193 says). */
  public ApiException withMetadata(Map<String, String> metadata) {
    return new ApiException(this, metadata);
  }

  /** The {@code ErrorInfo} detail's {@code metadata}; empty when there is none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  public int status() {
    return status;
  }

  public String reason() {
    return reason;
  }

  /** Detail objects other than the {@code ErrorInfo} built from {@link #reason()}. */
  public List<Map<String, Object>> details() {
    return details;
  }

  /** A field that failed validation: {@code field} is a JSON-pointer-like dotted path. */
  public record FieldViolation(String field, String description) {}

  /** 400 with a {@code BadRequest} detail naming each offending field. */
  public static ApiException invalidArgument(String message, List<FieldViolation> violations) {
    List<Map<String, Object>> fv = violations.stream()
        .<Map<String, Object>>map(v -> Map.of("field", v.field(), "description", v.description()))
        .toList();
    return new ApiException(400, "INVALID_ARGUMENT", message,
        fv.isEmpty() ? List.of() : List.of(Map.of("@type", "BadRequest", "fieldViolations", fv)));
  }

  /** 400 for one offending field. */
  public static ApiException invalidField(String field, String description) {
    return invalidArgument(description, List.of(new FieldViolation(field, description)));
  }

  /** 400 without a field (for example malformed JSON). */
  public static ApiException badRequest(String reason, String message) {
    return new ApiException(400, reason, message, List.of());
  }

  /** 401: no usable credentials. */
  public static ApiException unauthenticated(String message) {
    return new ApiException(401, "UNAUTHENTICATED", message, List.of());
  }

  /** 403: authenticated, and allowed to know the target exists, but not allowed to act on it. */
  public static ApiException permissionDenied(String message) {
    return new ApiException(403, "PERMISSION_DENIED", message, List.of());
  }

  /** 404 for a resource of {@code kind} with {@code id}. */
  public static ApiException notFound(String kind, String id) {
    return new ApiException(404, "NOT_FOUND", kind + " '" + id + "' not found", List.of());
  }

  /** 409: the request conflicts with the current state (duplicate id, dependants, ...). */
  public static ApiException conflict(String reason, String message) {
    return new ApiException(409, reason, message, List.of());
  }

  /** 412: {@code If-Match} did not match the current {@code ETag}. */
  public static ApiException preconditionFailed(String message) {
    return new ApiException(412, "PRECONDITION_FAILED", message, List.of());
  }

  /** 422: an {@code Idempotency-Key} reused with another request. */
  public static ApiException unprocessable(String reason, String message) {
    return new ApiException(422, reason, message, List.of());
  }

  /** 503: a dependency (store, cache) cannot answer; the caller may retry. */
  public static ApiException unavailable(String message) {
    return new ApiException(503, "UNAVAILABLE", message, List.of());
  }
}
