package io.k0rdent.api.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.k0rdent.api.core.error.ApiException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The state machine of issue 7: the table as written there, and its invariants over any walk. */
class ServerStateMachineTest {

  /** Issue 7's table, row by row: (state, action) → next state. */
  private static final Map<ServerState, Map<ServerAction, ServerState>> ISSUE_TABLE = Map.ofEntries(
      Map.entry(ServerState.ENROLLING, Map.of(ServerAction.ABORT, ServerState.ENROLL_FAILED)),
      Map.entry(ServerState.INSPECTING, Map.of(ServerAction.ABORT, ServerState.INSPECT_FAILED)),
      Map.entry(ServerState.CLEANING, Map.of(ServerAction.ABORT, ServerState.CLEAN_FAILED)),
      Map.entry(ServerState.PROVISIONING, Map.of(ServerAction.ABORT, ServerState.PROVISION_FAILED)),
      Map.entry(ServerState.DEPROVISIONING, Map.of(ServerAction.ABORT, ServerState.ERROR)),
      Map.entry(ServerState.DELETING, Map.of()),
      Map.entry(ServerState.ENROLL_FAILED, Map.of(ServerAction.MANAGE, ServerState.ENROLLING,
          ServerAction.DELETE, ServerState.DELETING)),
      Map.entry(ServerState.MANAGEABLE, Map.of(ServerAction.INSPECT, ServerState.INSPECTING,
          ServerAction.CLEAN, ServerState.CLEANING, ServerAction.PROVIDE, ServerState.CLEANING,
          ServerAction.DELETE, ServerState.DELETING)),
      Map.entry(ServerState.INSPECT_FAILED, Map.of(ServerAction.INSPECT, ServerState.INSPECTING,
          ServerAction.MANAGE, ServerState.MANAGEABLE, ServerAction.DELETE, ServerState.DELETING)),
      Map.entry(ServerState.CLEAN_FAILED, Map.of(ServerAction.CLEAN, ServerState.CLEANING,
          ServerAction.MANAGE, ServerState.MANAGEABLE, ServerAction.DELETE, ServerState.DELETING)),
      Map.entry(ServerState.AVAILABLE, Map.of(ServerAction.PROVISION, ServerState.PROVISIONING,
          ServerAction.MANAGE, ServerState.MANAGEABLE)),
      Map.entry(ServerState.PROVISION_FAILED, Map.of(ServerAction.PROVISION, ServerState.PROVISIONING,
          ServerAction.DEPROVISION, ServerState.DEPROVISIONING, ServerAction.DELETE, ServerState.DELETING)),
      Map.entry(ServerState.PROVISIONED, Map.of(ServerAction.DEPROVISION, ServerState.DEPROVISIONING)),
      Map.entry(ServerState.ERROR, Map.of(ServerAction.DEPROVISION, ServerState.DEPROVISIONING,
          ServerAction.MANAGE, ServerState.MANAGEABLE, ServerAction.DELETE, ServerState.DELETING)));

  @Test
  void everyStateAndActionIsAsTheIssueTableSays() {
    assertEquals(EnumSet.allOf(ServerState.class), ISSUE_TABLE.keySet());
    for (ServerState s : ServerState.values()) {
      for (ServerAction a : ServerAction.values()) {
        ServerState expected = ISSUE_TABLE.get(s).get(a);
        assertEquals(expected, s.after(a).orElse(null), s.wire() + " + " + a.wire());
      }
      assertEquals(ISSUE_TABLE.get(s).keySet(), Set.copyOf(s.actions()), s.wire());
    }
  }

  @Test
  void decommissionIsAllowedFromManageableAndFromTheFailedStatesOnly() {
    for (ServerState s : ServerState.values()) {
      boolean expected = s == ServerState.MANAGEABLE || s.kind() == ServerState.Kind.FAILED;
      assertEquals(expected, s.after(ServerAction.DELETE).isPresent(), s.wire());
    }
  }

  @Test
  void phasesEndInTheirNextOrFailedState() {
    assertEquals(ServerState.INSPECTING, Transition.succeeded(ServerState.ENROLLING, true).to());
    assertEquals(ServerState.MANAGEABLE, Transition.succeeded(ServerState.ENROLLING, false).to());
    assertEquals(ServerState.MANAGEABLE, Transition.succeeded(ServerState.INSPECTING, true).to());
    assertEquals(ServerState.AVAILABLE, Transition.succeeded(ServerState.CLEANING, true).to());
    assertEquals(ServerState.PROVISIONED, Transition.succeeded(ServerState.PROVISIONING, true).to());
    assertEquals(ServerState.CLEANING, Transition.succeeded(ServerState.DEPROVISIONING, true).to());
    assertThrows(IllegalStateException.class, () -> Transition.succeeded(ServerState.DELETING, true));
    assertEquals(ServerState.ENROLL_FAILED, Transition.failed(ServerState.ENROLLING, "x").to());
    assertEquals(ServerState.INSPECT_FAILED, Transition.failed(ServerState.INSPECTING, "x").to());
    assertEquals(ServerState.CLEAN_FAILED, Transition.failed(ServerState.CLEANING, "x").to());
    assertEquals(ServerState.PROVISION_FAILED, Transition.failed(ServerState.PROVISIONING, "x").to());
    assertEquals(ServerState.ERROR, Transition.failed(ServerState.DEPROVISIONING, "x").to());
    assertEquals("x", Transition.failed(ServerState.DEPROVISIONING, "x").error());
    for (ServerState s : ServerState.values()) {
      if (!s.working()) {
        assertThrows(IllegalStateException.class, () -> Transition.succeeded(s, true), s.wire());
        assertThrows(IllegalStateException.class, () -> Transition.failed(s, "why"), s.wire());
      }
    }
    assertThrows(IllegalArgumentException.class, () -> Transition.failed(ServerState.CLEANING, " "));
  }

  @Test
  void anIllegalActionIsA409NamingTheStateAndTheLegalActions() {
    ApiException e = assertThrows(ApiException.class,
        () -> Transition.of(ServerState.PROVISIONED, ServerAction.PROVIDE, null));
    assertEquals(409, e.status());
    assertEquals("INVALID_STATE_TRANSITION", e.reason());
    assertEquals("provisioned", e.metadata().get("state"));
    assertEquals("provide", e.metadata().get("action"));
    assertEquals("deprovision", e.metadata().get("allowedActions"));
    ApiException working = assertThrows(ApiException.class,
        () -> Transition.of(ServerState.DELETING, ServerAction.ABORT, null));
    assertEquals("", working.metadata().get("allowedActions"));
  }

  @Test
  void abortRecordsWhoAbortedAsTheFailedStatesError() {
    Transition t = Transition.of(ServerState.CLEANING, ServerAction.ABORT, "ops@provider");
    assertEquals(ServerState.CLEAN_FAILED, t.to());
    assertEquals("cleaning aborted by ops@provider", t.error());
    assertNull(Transition.of(ServerState.MANAGEABLE, ServerAction.INSPECT, "x").error());
  }

  @Test
  void onlyProvisioningIsNotResumedAfterATakeover() {
    for (ServerState s : ServerState.values()) {
      assertEquals(s.working() && s != ServerState.PROVISIONING, s.resumable(), s.wire());
    }
  }

  @Test
  void applyMovesTheStateClearsTheStepAndRecordsTheError() {
    Instant t0 = Instant.parse("2026-11-30T00:00:00Z");
    Server s = Server.enrolling("local-1", "p", "server-a", null, null, Map.of(), null,
        new Server.Bmc("https://bmc", "v1.x", null, false), true, t0).withStep("find-system", t0);
    Instant t1 = t0.plusSeconds(5);
    Server failed = s.apply(Transition.failed(ServerState.ENROLLING, "BMC said 401"), t1);
    assertEquals(ServerState.ENROLL_FAILED, failed.state());
    assertNull(failed.step());
    assertEquals("BMC said 401", failed.lastError());
    assertEquals(t1, failed.stateChangedAt());
    assertEquals(s.version() + 1, failed.version());
    Server again = failed.apply(Transition.of(ServerState.ENROLL_FAILED, ServerAction.MANAGE, null), t1);
    assertNull(again.lastError(), "an operator's action clears the last error");
    assertThrows(IllegalStateException.class,
        () -> s.apply(Transition.of(ServerState.MANAGEABLE, ServerAction.INSPECT, null), t1),
        "a transition from another state than the server's cannot be applied");
  }

  @Test
  void provisioningStateMapsEveryDetailedState() {
    assertEquals("registered", ServerState.ENROLLING.provisioningState());
    assertEquals("registered", ServerState.MANAGEABLE.provisioningState());
    assertEquals("ready", ServerState.AVAILABLE.provisioningState());
    assertEquals("ready", ServerState.PROVISIONED.provisioningState());
    assertEquals("provisioning", ServerState.PROVISIONING.provisioningState());
    assertEquals("decommissioned", ServerState.DELETING.provisioningState());
    for (ServerState s : ServerState.values()) {
      if (s.kind() == ServerState.Kind.FAILED) {
        assertEquals("failed", s.provisioningState());
      }
      assertEquals(s, ServerState.byName(s.wire()));
    }
    assertTrue(List.of("registered", "provisioning", "ready", "failed", "decommissioned")
        .containsAll(EnumSet.allOf(ServerState.class).stream().map(ServerState::provisioningState).toList()));
  }

  /** Any walk of operator actions and worker outcomes stays on the table and ends somewhere an operator can act. */
  @Property(tries = 300)
  void anyWalkStaysOnTheTable(@ForAll("walks") List<Integer> choices) {
    ServerState s = ServerState.ENROLLING;
    for (int c : choices) {
      if (s == ServerState.DELETING) {
        return; // the server is gone once deleting ends
      }
      if (s.working() && c % 3 != 0) {
        Transition t = c % 3 == 1 ? Transition.succeeded(s, c % 2 == 0) : Transition.failed(s, "boom");
        assertEquals(s, t.from());
        assertTrue(t.to() == s.failedState() || s.succeeded(c % 2 == 0).orElseThrow() == t.to());
        s = t.to();
        continue;
      }
      List<ServerAction> legal = List.copyOf(s.actions());
      ServerAction a = ServerAction.values()[c % ServerAction.values().length];
      if (legal.contains(a)) {
        s = Transition.of(s, a, null).to();
      } else {
        ServerState from = s;
        ApiException e = assertThrows(ApiException.class, () -> Transition.of(from, a, null));
        assertEquals(409, e.status());
      }
      assertFalse(s.kind() != ServerState.Kind.WORKING && s.actions().isEmpty(),
          s.wire() + " would be a dead end");
    }
  }

  @Provide
  Arbitrary<List<Integer>> walks() {
    return Arbitraries.integers().between(0, 1000).list().ofMinSize(1).ofMaxSize(60);
  }
}
