package policy

import "github.com/open-policy-agent/opa/v1/ast"

// recordsFields are the input fields that differ between the request and
// the records phase of a produce.
var recordsFields = map[string]bool{"phase": true, "records": true, "records_summary": true, "target": true}

// readsRecordsPhase reports whether any rule of modules may read an input
// field that differs between the phases of a produce. It answers true for
// any use of input it cannot read as one fixed top-level field (input
// itself, input[x]): a policy that does not read them gives the records
// phase the answer it gave the request phase, so that decision need not be
// taken again.
func readsRecordsPhase(modules map[string]*ast.Module) bool {
	reads := false
	for _, m := range modules {
		ast.WalkRefs(m, func(r ast.Ref) bool {
			if reads || !r.HasPrefix(ast.InputRootRef) {
				return reads
			}
			if len(r) < 2 {
				reads = true
				return true
			}
			s, ok := r[1].Value.(ast.String)
			reads = !ok || recordsFields[string(s)]
			return reads
		})
		if reads {
			return true
		}
	}
	return false
}
