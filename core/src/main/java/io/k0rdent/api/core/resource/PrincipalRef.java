package io.k0rdent.api.core.resource;

import java.util.Set;

/**
 * A principal a {@link Policy} binds: a {@link #USER}, a {@link #GROUP} or a {@link #SERVICE_ACCOUNT},
 * by id (upstream {@code Policy.principal}: {@code {type, id}}).
 *
 * @param type one of {@link #TYPES}
 * @param id   the user's, group's or service account's id
 */
public record PrincipalRef(String type, String id) {

  public static final String USER = "user";
  public static final String GROUP = "group";
  public static final String SERVICE_ACCOUNT = "serviceAccount";
  /** The principal types the contract names. */
  public static final Set<String> TYPES = Set.of(USER, GROUP, SERVICE_ACCOUNT);

  public static PrincipalRef user(String id) {
    return new PrincipalRef(USER, id);
  }

  public static PrincipalRef group(String id) {
    return new PrincipalRef(GROUP, id);
  }

  public static PrincipalRef serviceAccount(String id) {
    return new PrincipalRef(SERVICE_ACCOUNT, id);
  }
}
