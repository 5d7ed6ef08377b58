package io.k0rdent.api.verticles;

import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.verticles.config.ConfigLoader.ConfigException;
import io.k0rdent.api.verticles.config.Settings;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeds {@code bootstrap.users} at start (every mode, after the provider organization): each user is
 * created when absent (one of that id in the same organization is left as it is), and each of its roles
 * gets an allow binding at its organization's scope unless an identical one exists. Policy ids are
 * deterministic ({@code seed-<user>-<role>}, or {@code seed-<hash>} when that is too long or taken by
 * another binding, or generated when that is taken too), so nodes starting together create nothing twice;
 * restarts recognise a seeded binding by its content. A binding an operator
 * deleted is created again at the next start: the configuration says it should exist.
 *
 * <p>What the configuration cannot be right about fails the start with a {@link ConfigException} naming
 * {@code bootstrap.users[i].field}: an organization that does not exist, a role that is neither predefined
 * nor a custom role of the user's organization. ({@code ConfigLoader} checked the entries' form.) An id a
 * user of another organization holds, or an email another user of the organization has, skips the entry
 * with a warning instead: tenants choose ids and emails, and one must never keep the nodes from starting.
 */
final class BootstrapUsers {

  private static final Logger LOG = LoggerFactory.getLogger(BootstrapUsers.class);
  static final String DESCRIPTION = "Seeded from bootstrap.users";

  /** A change to announce through {@link AuthState#changed} once the auth state runs. */
  record Change(AuthState.Kind kind, String id) {}

  private BootstrapUsers() {}

  /** Seeds {@code users} one after another; the future holds the changes made (empty when none). */
  static Future<List<Change>> seed(Store store, List<Settings.User> users) {
    List<Change> changes = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < users.size(); i++) {
      String at = "bootstrap.users[" + i + "]";
      Settings.User u = users.get(i);
      chain = chain.compose(v -> seedOne(store, at, u, changes));
    }
    return chain.map(v -> List.copyOf(changes));
  }

  /** Announces {@code changes} to every node (their caches may have seen the absent user or bindings). */
  static Future<Void> announce(AuthState state, List<Change> changes) {
    Future<Void> chain = Future.succeededFuture();
    for (Change c : changes) {
      chain = chain.compose(v -> state.changed(c.kind(), c.id()));
    }
    return chain;
  }

  private static Future<Void> seedOne(Store store, String at, Settings.User u, List<Change> changes) {
    String org = u.organizationId();
    return store.organizations().get(org)
        .recover(e -> Future.failedFuture(notFound(e)
            ? new ConfigException(at + ".organizationId: organization '" + org + "' does not exist") : e))
        .compose(o -> checkRoles(store, at, u))
        .compose(v -> ensureUser(store, at, u, changes).map(true).recover(e -> {
          if (e instanceof Taken t) {
            // taken by someone else (ids and emails are theirs to choose): never a reason not to start
            LOG.warn("not seeding {}: {}", at, t.getMessage());
            return Future.succeededFuture(false);
          }
          return Future.failedFuture(e);
        }))
        .compose(ours -> !ours ? Future.succeededFuture() : store.policies().forPrincipals(List.of(PrincipalRef.user(u.id())))
        .compose(existing -> {
          Future<Void> chain = Future.succeededFuture();
          for (String role : u.roles()) {
            if (existing.stream().noneMatch(p -> isSeedBinding(p, u, role))) {
              chain = chain.compose(v -> createBinding(store, u, role, preferredId(u.id(), role), changes));
            }
          }
          return chain;
        }));
  }

  /** A seed user's id or email already belongs to someone else: the user is skipped, with a warning. */
  static final class Taken extends RuntimeException {
    Taken(String message) {
      super(message, null, false, false);
    }
  }

  /** Each role is predefined or a custom role of the user's organization. */
  private static Future<Void> checkRoles(Store store, String at, Settings.User u) {
    Future<Void> chain = Future.succeededFuture();
    for (int j = 0; j < u.roles().size(); j++) {
      String role = u.roles().get(j);
      if (PredefinedRoles.isPredefined(role)) {
        continue;
      }
      String where = at + ".roles[" + j + "]";
      ConfigException unknown = new ConfigException(where + ": role '" + role + "' is neither predefined ("
          + String.join(", ", PredefinedRoles.IDS) + ") nor a custom role of organization '"
          + u.organizationId() + "'");
      chain = chain.compose(v -> store.roles().get(role)
          .recover(e -> Future.failedFuture(notFound(e) ? unknown : e))
          .compose(r -> u.organizationId().equals(r.organizationId())
              ? Future.<Void>succeededFuture() : Future.failedFuture(unknown)));
    }
    return chain;
  }

  private static Future<Void> ensureUser(Store store, String at, Settings.User u, List<Change> changes) {
    return store.users().get(u.id()).compose(found -> sameOrganization(at, u, found), e -> {
      if (!notFound(e)) {
        return Future.failedFuture(e);
      }
      var now = Clock.now();
      return store.users().create(new User(u.id(), UUID.randomUUID(), u.organizationId(), u.email(),
              u.displayName(), User.ACTIVE, now, now, 1))
          .<Void>map(created -> {
            LOG.info("seeded user {} of organization {}", u.id(), u.organizationId());
            changes.add(new Change(AuthState.Kind.USER, u.id()));
            return null;
          })
          .recover(err -> !(err instanceof ApiException a && a.status() == 409) ? Future.failedFuture(err)
              // created meanwhile (another node starting), or the email is another user's
              : store.users().get(u.id()).compose(found -> sameOrganization(at, u, found),
                  e2 -> Future.failedFuture(notFound(e2) ? new Taken(at + ".email: organization '"
                      + u.organizationId() + "' already has another user with email '" + u.email() + "'") : e2)));
    });
  }

  private static Future<Void> sameOrganization(String at, Settings.User u, User found) {
    if (!found.organizationId().equals(u.organizationId())) {
      return Future.failedFuture(new Taken(at + ".id: user '" + u.id() + "' already exists in "
          + "organization '" + found.organizationId() + "', not '" + u.organizationId() + "'"));
    }
    return Future.succeededFuture();
  }

  /** The allow binding of {@code role} to the user at its organization's scope. */
  private static boolean isSeedBinding(Policy p, Settings.User u, String role) {
    String org = u.organizationId();
    return PrincipalRef.USER.equals(p.principalType()) && u.id().equals(p.principalId()) && role.equals(p.role())
        && Policy.ORG.equals(p.scopeType()) && org.equals(p.scopeResource()) && org.equals(p.organizationId())
        && Policy.ALLOW.equals(p.effect());
  }

  private static Future<Void> createBinding(Store store, Settings.User u, String role, String id,
                                            List<Change> changes) {
    return createBinding(store, u, role, id, changes, 0);
  }

  /**
   * Creates the binding under {@code id}; when a different binding holds that id (anyone may create
   * policies, with ids of their choosing), under the hashed id, then under generated ones: an id taken by
   * someone else never keeps a node from starting. Restarts find the binding by its content, not its id.
   */
  private static Future<Void> createBinding(Store store, Settings.User u, String role, String id,
                                            List<Change> changes, int attempt) {
    var now = Clock.now();
    String org = u.organizationId();
    Policy p = new Policy(id, UUID.randomUUID(), org, null, DESCRIPTION, role, PrincipalRef.USER, u.id(), Policy.ORG,
        org, Policy.ALLOW, now, now, 1);
    return store.policies().create(p).<Void>map(created -> {
      LOG.info("seeded policy {}: {} bound to user {} in organization {}", id, role, u.id(), org);
      changes.add(new Change(AuthState.Kind.BINDINGS, AuthState.principalKey(PrincipalRef.user(u.id()))));
      return null;
    }).recover(err -> {
      if (!(err instanceof ApiException a && a.status() == 409)) {
        return Future.failedFuture(err);
      }
      // the id is taken: by this very binding (another node starting), else fall back to the hashed id
      return store.policies().get(id).compose(other -> {
        if (isSeedBinding(other, u, role)) {
          return Future.succeededFuture();
        }
        if (attempt >= 5) {
          return Future.failedFuture(err);
        }
        String fallback = attempt == 0 && !hashedId(u, role).equals(id) ? hashedId(u, role) : Slugs.generate("seed");
        return createBinding(store, u, role, fallback, changes, attempt + 1);
      });
    });
  }

  /** {@code seed-<user>-<role>} when that is a valid id, else the hashed one. */
  static String preferredId(String userId, String role) {
    String id = "seed-" + userId + "-" + role;
    return Slugs.isValid(id) ? id : hashedId(userId, role);
  }

  private static String hashedId(Settings.User u, String role) {
    return hashedId(u.id(), role);
  }

  private static String hashedId(String userId, String role) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest((userId + "\n" + role).getBytes(StandardCharsets.UTF_8));
      return "seed-" + HexFormat.of().formatHex(h, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean notFound(Throwable e) {
    return e instanceof ApiException a && a.status() == 404;
  }
}
