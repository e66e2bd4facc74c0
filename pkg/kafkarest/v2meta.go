package kafkarest

import "encoding/json"

// V2Partition is what a bridge PartitionMetadata is built from.
type V2Partition struct {
	ID       int32
	Leader   int32 // -1: none
	Replicas []Replica
}

type v2Replica struct {
	Broker int32 `json:"broker"`
	Leader bool  `json:"leader"`
	InSync bool  `json:"in_sync"`
}

type v2PartitionMetadata struct {
	Partition int32       `json:"partition"`
	Leader    int32       `json:"leader"`
	Replicas  []v2Replica `json:"replicas"`
}

type v2TopicMetadata struct {
	Name       string                `json:"name"`
	Configs    map[string]string     `json:"configs"`
	Partitions []v2PartitionMetadata `json:"partitions"`
}

type v2Offsets struct {
	Beginning int64 `json:"beginning_offset"`
	End       int64 `json:"end_offset"`
}

func v2Partition(p V2Partition) v2PartitionMetadata {
	out := v2PartitionMetadata{Partition: p.ID, Leader: p.Leader, Replicas: make([]v2Replica, len(p.Replicas))}
	for i, r := range p.Replicas {
		out.Replicas[i] = v2Replica{Broker: r.Broker, Leader: r.Leader, InSync: r.InSync}
	}
	return out
}

// V2TopicNames renders GET /topics: an array of names.
func V2TopicNames(names []string) ([]byte, error) {
	if names == nil {
		names = []string{}
	}
	return json.Marshal(names)
}

// V2Topic renders GET /topics/{t}: name, configs (name to value) and partitions.
func V2Topic(name string, configs map[string]string, ps []V2Partition) ([]byte, error) {
	out := v2TopicMetadata{Name: name, Configs: configs, Partitions: make([]v2PartitionMetadata, len(ps))}
	if out.Configs == nil {
		out.Configs = map[string]string{}
	}
	for i, p := range ps {
		out.Partitions[i] = v2Partition(p)
	}
	return json.Marshal(out)
}

// V2PartitionList renders GET /topics/{t}/partitions.
func V2PartitionList(ps []V2Partition) ([]byte, error) {
	out := make([]v2PartitionMetadata, len(ps))
	for i, p := range ps {
		out[i] = v2Partition(p)
	}
	return json.Marshal(out)
}

// V2PartitionMetadata renders GET /topics/{t}/partitions/{p}.
func V2PartitionMetadata(p V2Partition) ([]byte, error) { return json.Marshal(v2Partition(p)) }

// V2OffsetsSummary renders GET /topics/{t}/partitions/{p}/offsets: the earliest
// offset and the offset the next record will get.
func V2OffsetsSummary(beginning, end int64) ([]byte, error) {
	return json.Marshal(v2Offsets{Beginning: beginning, End: end})
}
