package io.k0rdent.api.core.server;

import io.k0rdent.api.core.error.ApiException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A change of a server's provisioning state that the state machine allows. There is no public constructor: a
 * transition comes from an operator's lifecycle action that the table of {@link ServerState} allows
 * ({@link #of}), or from a worker ending a working state's phase ({@link #succeeded}, {@link #failed}), so an
 * illegal transition cannot be written. {@link Server#apply} checks that the server is still in {@link #from()}.
 */
public final class Transition {

  private final ServerState from;
  private final ServerState to;
  private final String error;

  private Transition(ServerState from, ServerState to, String error) {
    this.from = from;
    this.to = to;
    this.error = error;
  }

  public ServerState from() {
    return from;
  }

  public ServerState to() {
    return to;
  }

  /** The failure a failed-state transition records as {@code lastError}; null otherwise. */
  public String error() {
    return error;
  }

  /**
   * The transition lifecycle {@code action} makes from {@code from}. {@code abort} records why as the failed
   * state's error ({@code abortedBy} names the caller).
   *
   * @throws ApiException 409 {@code INVALID_STATE_TRANSITION} when the table does not allow it, with the state,
   *                      the action and the legal actions in the {@code ErrorInfo} metadata ({@code state},
   *                      {@code action}, {@code allowedActions}: comma-separated, empty while working)
   */
  public static Transition of(ServerState from, ServerAction action, String abortedBy) {
    ServerState to = from.after(action).orElseThrow(() -> invalid(from, action));
    String error = action == ServerAction.ABORT
        ? from.wire() + " aborted" + (abortedBy == null ? "" : " by " + abortedBy) : null;
    return new Transition(from, to, error);
  }

  /** A working state's phase ended well: the phase's next state (see {@link ServerState#succeeded}). */
  public static Transition succeeded(ServerState from, boolean inspectAfterEnroll) {
    ServerState to = from.succeeded(inspectAfterEnroll)
        .orElseThrow(() -> new IllegalStateException(from.wire() + " ends by deleting the server"));
    return new Transition(from, to, null);
  }

  /** A working state's phase failed for {@code why} (never null): the phase's failed state. */
  public static Transition failed(ServerState from, String why) {
    if (why == null || why.isBlank()) {
      throw new IllegalArgumentException("a failure says why");
    }
    return new Transition(from, from.failedState(), why);
  }

  /** The 409 for {@code action} in state {@code from}. */
  public static ApiException invalid(ServerState from, ServerAction action) {
    List<String> allowed = from.actions().stream().map(ServerAction::wire).toList();
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("state", from.wire());
    metadata.put("action", action.wire());
    metadata.put("allowedActions", String.join(",", allowed));
    String message = "action '" + action.wire() + "' is not allowed in state '" + from.wire() + "'"
        + (allowed.isEmpty() ? "; the server is being worked on" : "; allowed: " + String.join(", ", allowed));
    return ApiException.conflict("INVALID_STATE_TRANSITION", message).withMetadata(metadata);
  }

  @Override
  public String toString() {
    return from.wire() + " -> " + to.wire() + (error == null ? "" : " (" + error + ")");
  }
}
