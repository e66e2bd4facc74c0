package policy

import "github.com/topicgate/topicgate/pkg/identity"

// InputVersion is the version of the input document. It changes only when a
// field changes meaning or goes away; new fields do not change it.
const InputVersion = "v1"

// Phases of a request, as input.phase.
const (
	PhaseRequest = "request" // before the body is read: who, what, which resource
	PhaseRecords = "records" // a produce, with its decoded records
	PhaseItem    = "item"    // one item of a list answer: shown only if allowed
)

// Input is the document a policy sees as `input`. docs/policy.md describes
// every field; testdata golden files pin its JSON form.
type Input struct {
	Version   string    `json:"version"`
	Phase     string    `json:"phase"`
	Action    string    `json:"action"`
	Operation string    `json:"operation"`
	Resource  Resource  `json:"resource"`
	Cluster   Cluster   `json:"cluster"`
	Topic     string    `json:"topic,omitempty"`
	Partition *int32    `json:"partition,omitempty"`
	Group     string    `json:"group,omitempty"`
	Principal Principal `json:"principal"`
	Request   Request   `json:"request"`
	// Admin holds what an admin request's body asks for (create_topic, topic
	// config changes, update_partition_count), once the body is read.
	Admin   *Admin   `json:"admin,omitempty"`
	Records []Record `json:"records,omitempty"`
	// RecordsSummary totals the records (phase "records" only).
	RecordsSummary *RecordsSummary `json:"records_summary,omitempty"`
	// Target is where the records go (phase "records" only): the topic and
	// cluster the request phase chose, which Topic and Cluster (the names the
	// client addressed) do not show when a decision rewrote them.
	Target *Target `json:"target,omitempty"`
}

// Target is the Kafka topic and cluster a produce writes to.
type Target struct {
	Topic   string  `json:"topic"`
	Cluster Cluster `json:"cluster"`
}

// Principal is who is calling, as the policy sees it. Type and ID are the
// primary identity (api_key, jwt, mtls or anonymous, in that order of
// precedence); the other fields carry every identity the request proved.
type Principal struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	// Sources lists the type of every identity proved, in order of
	// precedence: e.g. ["jwt", "mtls"]. Empty for anonymous callers.
	Sources []string `json:"sources"`
	// Groups come from the JWT's groups claim; empty without.
	Groups []string `json:"groups"`
	// Claims are the verified JWT claims; absent without a token.
	Claims map[string]any `json:"claims,omitempty"`
	// SPIFFEID is the client certificate's URI SAN when it is a SPIFFE id.
	SPIFFEID string `json:"spiffe_id,omitempty"`
	// Peer is the verified client certificate's identity; absent without mTLS.
	Peer *identity.Peer `json:"peer,omitempty"`
}

// NewPrincipal is the input's principal for a caller.
func NewPrincipal(c identity.Caller) Principal {
	p := Principal{
		Type: c.Principal.Type, ID: c.Principal.ID,
		Sources: c.Sources, Groups: c.Groups, Claims: c.Claims, Peer: c.Peer,
	}
	if p.Sources == nil {
		p.Sources = []string{}
	}
	if p.Groups == nil {
		p.Groups = []string{}
	}
	if c.Peer != nil {
		p.SPIFFEID = c.Peer.SPIFFEID()
	}
	return p
}

// Resource is the Kafka ACL resource the operation acts on.
type Resource struct {
	Type string `json:"type"` // CLUSTER, TOPIC or GROUP
	Name string `json:"name"`
	// PatternType is "REGEX" when Name is a regular expression of topic
	// names (a pattern subscription), "" for a literal name.
	PatternType string `json:"pattern_type,omitempty"`
}

// Cluster names the Kafka cluster: its name in topicgate's configuration and
// its real cluster id. Empty on endpoints that span clusters (list_clusters).
type Cluster struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// Request describes the HTTP request. Credentials are removed from headers.
type Request struct {
	ID      string              `json:"id"`
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	API     string              `json:"api"`
	Query   map[string][]string `json:"query"`
	Headers map[string]string   `json:"headers"`
	Source  string              `json:"source_address,omitempty"`
}

// Record is one record of a produce as the policy sees it.
type Record struct {
	Index     int      `json:"index"`
	Partition *int32   `json:"partition"`
	Timestamp *string  `json:"timestamp"`
	Key       *Data    `json:"key"`
	Value     *Data    `json:"value"`
	Headers   []Header `json:"headers"`
	Size      int      `json:"size"`
}

// Data is a decoded key or value. Data holds the JSON value for type JSON,
// the string for STRING, and the base64 text as sent for BINARY.
type Data struct {
	Type string `json:"type"`
	Data any    `json:"data"`
	Size int    `json:"size"`
}

// Header is a record header. Value is its text when it is valid UTF-8, else
// null; ValueBase64 always holds its bytes.
type Header struct {
	Name        string  `json:"name"`
	Value       *string `json:"value"`
	ValueBase64 *string `json:"value_base64"`
}

// RecordsSummary totals a produce's records.
type RecordsSummary struct {
	Count int `json:"count"`
	Bytes int `json:"bytes"`
}

// Admin is what an admin request asks Kafka to set. Absent fields were not
// asked for (the broker's defaults apply to a new topic).
type Admin struct {
	PartitionsCount   *int          `json:"partitions_count,omitempty"`
	ReplicationFactor *int          `json:"replication_factor,omitempty"`
	Configs           []AdminConfig `json:"configs,omitempty"`
	ValidateOnly      bool          `json:"validate_only"`
}

// AdminConfig is one config a request sets (Operation "SET", with Value) or
// resets to its default (Operation "DELETE", Value null).
type AdminConfig struct {
	Name      string  `json:"name"`
	Value     *string `json:"value"`
	Operation string  `json:"operation"`
}
