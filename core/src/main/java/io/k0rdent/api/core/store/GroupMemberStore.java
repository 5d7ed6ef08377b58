package io.k0rdent.api.core.store;

import io.k0rdent.api.core.resource.GroupMember;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Group memberships. List filters: {@code groupId}, {@code userId}. {@link #create} fails 404 when the group
 * does not exist, 400 (field {@code userId}) when the user does not exist in the group's organization, and
 * 409 {@code ALREADY_EXISTS} when the user is already a member (atomic under concurrency). Memberships are
 * immutable: {@link #update} changes nothing but {@code updatedAt} and the version. Deleting a group or a
 * user deletes its memberships.
 */
public interface GroupMemberStore extends ResourceStore<GroupMember> {

  /** The ids of the groups {@code userId} is a member of, in id order (empty for an unknown user). */
  Future<List<String>> groupsOf(String userId);

  /** Members per group id (groups without members, or unknown, are absent). */
  Future<Map<String, Integer>> memberCounts(Collection<String> groupIds);
}
