package policy

import (
	"fmt"
	"sort"
)

// checkDecision holds an allowing decision to the input it answers, which
// parseResult cannot see: denied_records must name records of
// input.records, and a records-phase decision may not send the records
// elsewhere than input.target, which the request phase chose. A decision
// that fails is unusable and denies, like a malformed one. It also puts
// denied_records in index order, once each (the first reason given wins).
func checkDecision(d *Decision, in *Input) error {
	if !d.Allow {
		return nil
	}
	if len(d.DeniedRecords) > 0 {
		if in.Phase != PhaseRecords {
			return fmt.Errorf("denied_records applies to phase %q only, not %q", PhaseRecords, in.Phase)
		}
		known := make(map[int]bool, len(in.Records))
		for i := range in.Records {
			known[in.Records[i].Index] = true
		}
		seen := make(map[int]bool, len(d.DeniedRecords))
		out := make([]RecordDenial, 0, len(d.DeniedRecords))
		for i, r := range d.DeniedRecords {
			if !known[r.Index] {
				return fmt.Errorf("denied_records[%d].index %d names no record of input.records", i, r.Index)
			}
			if !seen[r.Index] {
				seen[r.Index] = true
				out = append(out, r)
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Index < out[j].Index })
		d.DeniedRecords = out
	}
	if t := in.Target; t != nil {
		if d.Topic != "" && d.Topic != t.Topic {
			return fmt.Errorf("topic %q differs from input.target.topic %q: only the request phase chooses the topic", d.Topic, t.Topic)
		}
		if d.Cluster != "" && d.Cluster != t.Cluster.Name {
			return fmt.Errorf("cluster %q differs from input.target.cluster.name %q: only the request phase chooses the cluster", d.Cluster, t.Cluster.Name)
		}
	}
	return nil
}
