package policy

import (
	"maps"
	"slices"
)

// Results of comparing a shadow evaluation with the active decision, as
// the topicgate_policy_shadow_decisions_total result label.
const (
	ShadowSame        = "same"          // the answer would not change
	ShadowAllowToDeny = "allow_to_deny" // the shadow would deny what is allowed
	ShadowDenyToAllow = "deny_to_allow" // the shadow would allow what is denied
	ShadowChanged     = "changed"       // same allow, but another part of the answer differs
)

// compareDecisions says whether the shadow decision would change the answer,
// and which fields differ. Only what shapes the answer counts: allow; for
// two denials, the status, the headers and whether the policy failed; for
// two allows, the denied records, topic, cluster, value schema and limits.
// Reasons are not compared, so rewording them is not a difference.
func compareDecisions(active, shadow Decision) (result string, differences []string) {
	if active.Allow != shadow.Allow {
		if active.Allow {
			return ShadowAllowToDeny, []string{"allow"}
		}
		return ShadowDenyToAllow, []string{"allow"}
	}
	add := func(differ bool, field string) {
		if differ {
			differences = append(differences, field)
		}
	}
	if active.Allow {
		add(!slices.Equal(deniedIndexes(active), deniedIndexes(shadow)), "denied_records")
		add(active.Topic != shadow.Topic, "topic")
		add(active.Cluster != shadow.Cluster, "cluster")
		add(active.ValueSchema != shadow.ValueSchema, "value_schema")
		add(!equalLimits(active.Limits, shadow.Limits), "limits")
	} else {
		add((active.Err == nil) != (shadow.Err == nil), "policy_error")
		add(active.Status != shadow.Status, "status")
		add(!maps.Equal(active.Headers, shadow.Headers), "headers")
	}
	if len(differences) == 0 {
		return ShadowSame, nil
	}
	return ShadowChanged, differences
}

// deniedIndexes are the denied record indexes, sorted and without repeats.
func deniedIndexes(d Decision) []int {
	out := make([]int, 0, len(d.DeniedRecords))
	for _, r := range d.DeniedRecords {
		out = append(out, r.Index)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// equalLimits compares limits; no limits and all-zero limits are the same.
func equalLimits(a, b *Limits) bool {
	var za, zb Limits
	if a != nil {
		za = *a
	}
	if b != nil {
		zb = *b
	}
	return za == zb
}
