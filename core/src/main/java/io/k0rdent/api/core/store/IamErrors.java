package io.k0rdent.api.core.store;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.PrincipalRef;

/**
 * The failures of the authorization-model rules ({@link Store#users()} .. {@link Store#policies()}), built in
 * one place so that every adapter answers them word for word alike. Messages name ids the caller sent, never
 * what exists in another organization.
 */
public final class IamErrors {

  private IamErrors() {}

  /** 400: the {@code organizationId} of a user, group, role or policy names no organization. */
  public static ApiException organizationMissing(String organizationId) {
    return ApiException.invalidField("organizationId", "organization '" + organizationId + "' does not exist");
  }

  /** 409 {@code FAILED_PRECONDITION}: the organization still has {@code what} (e.g. {@code users}). */
  public static ApiException organizationStillHas(String organizationId, String what) {
    return ApiException.conflict("FAILED_PRECONDITION",
        "organization '" + organizationId + "' still has " + what + "; delete them first");
  }

  /** 409 {@code ALREADY_EXISTS}: the organization has a user with this email. */
  public static ApiException emailTaken(String email, String organizationId) {
    return ApiException.conflict("ALREADY_EXISTS",
        "a user with email '" + email + "' already exists in organization '" + organizationId + "'");
  }

  /** 409 {@code FAILED_PRECONDITION}: a {@code kind} ({@code user}, {@code role}..) that policies bind. */
  public static ApiException boundByPolicies(String kind, String id) {
    return ApiException.conflict("FAILED_PRECONDITION",
        kind + " '" + id + "' is bound by policies; delete them first");
  }

  /** 409 {@code FAILED_PRECONDITION}: a new role whose id existing policies name (as a predefined role). */
  public static ApiException roleIdNamedByPolicies(String roleId) {
    return ApiException.conflict("FAILED_PRECONDITION",
        "role id '" + roleId + "' is named by existing policies; delete them or choose another id");
  }

  /** 404: a membership of a group that does not exist. */
  public static ApiException groupMissing(String groupId) {
    return ApiException.notFound("group", groupId);
  }

  /** 400: a member who is not a user of the group's organization (missing or elsewhere: not told apart). */
  public static ApiException memberNotInOrganization(String userId, String groupId) {
    return ApiException.invalidField("userId",
        "user '" + userId + "' does not exist in the organization of group '" + groupId + "'");
  }

  /** 409 {@code ALREADY_EXISTS}: the user is a member of the group already. */
  public static ApiException alreadyMember(String userId, String groupId) {
    return ApiException.conflict("ALREADY_EXISTS",
        "user '" + userId + "' is already a member of group '" + groupId + "'");
  }

  /** 400: a principal type outside {@link PrincipalRef#TYPES}. */
  public static ApiException principalType(String type) {
    return ApiException.invalidField("principalType",
        "principal type '" + type + "' is not one of user, group, serviceAccount");
  }

  /** 400: {@code organizationId} given for a platform-scope policy, or missing below platform scope. */
  public static ApiException policyOrganization(Policy p) {
    return ApiException.invalidField("organizationId", Policy.PLATFORM.equals(p.scopeType())
        ? "a platform-scope policy belongs to no organization"
        : "a policy below platform scope needs an organizationId");
  }

  /** 400: the bound principal does not exist (in the policy's organization, unless platform-scoped). */
  public static ApiException principalMissing(Policy p) {
    String kind = kindOf(p.principalType());
    return ApiException.invalidField("principalId", kind + " '" + p.principalId() + "' does not exist"
        + (p.organizationId() == null ? "" : " in organization '" + p.organizationId() + "'"));
  }

  /** 400: the role is a stored custom role, but not one of the policy's organization. */
  public static ApiException roleNotInOrganization(Policy p) {
    return ApiException.invalidField("role", p.organizationId() == null
        ? "role '" + p.role() + "' is a custom role; platform-scope policies bind predefined roles only"
        : "role '" + p.role() + "' does not exist in organization '" + p.organizationId() + "'");
  }

  /** The kind name of a principal type in messages ({@code service account} for {@code serviceAccount}). */
  public static String kindOf(String principalType) {
    return PrincipalRef.SERVICE_ACCOUNT.equals(principalType) ? "service account" : principalType;
  }
}
