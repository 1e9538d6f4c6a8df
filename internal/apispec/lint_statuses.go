package apispec

import "fmt"

// producibleKinds returns the failure kinds the engine can answer for the operation, with
// why, mirroring the checks the mock runs on a request.
func (o *Operation) producibleKinds() map[Kind]string {
	kinds := map[Kind]string{
		KindValidation:       "it validates every request",
		KindMalformed:        "it rejects malformed requests",
		KindNotFound:         "any path can be unknown",
		KindMethodNotAllowed: "any method can be wrong",
	}
	for _, alt := range o.Security {
		if len(alt) > 0 {
			kinds[KindUnauthorized] = "it has security"
		}
	}
	if o.Credentials != nil {
		kinds[KindUnauthorized] = "it takes credentials in the body"
	}
	if len(o.Accept) > 0 {
		kinds[KindNotAcceptable] = "it declares accept"
	}
	if o.RequestBody != nil {
		kinds[KindTooLarge] = "it has a request body"
		kinds[KindUnsupportedMediaType] = "it has a request body"
	}
	if o.Behaviour.OnItem() {
		kinds[KindNotFound] = fmt.Sprintf("behaviour %s can miss the record", o.Behaviour)
	}
	rules := o.Rules
	if o.Creator != nil && (o.Behaviour == BehaviourReplace || o.Behaviour == BehaviourUpdate) {
		rules = append(append([]*Rule(nil), rules...), o.Creator.Rules...)
	}
	for _, r := range rules {
		if r.Error.Kind.Valid() {
			kinds[r.Error.Kind] = fmt.Sprintf("rule %q answers it", r.ID)
		}
	}
	if o.Behaviour == BehaviourCreate && o.Key != nil {
		kinds[KindConflict] = "a created record's key can be taken"
	}
	return kinds
}

// lintProducibleStatuses checks that every status the engine can answer for the operation is
// documented, for the kinds the spec leaves at their default status (checkKindExamples checks
// the declared ones). A spec without x-usermock.errors answers RFC 9457 problem details and
// needs to document none.
func (c *compiler) lintProducibleStatuses(o *Operation) {
	if c.api.Errors.Standard {
		return
	}
	kinds := o.producibleKinds()
	for _, k := range Kinds() {
		why, ok := kinds[k]
		if !ok {
			continue
		}
		if _, declared := c.api.Errors.Kinds[k]; declared {
			continue
		}
		status := c.api.Errors.Kind(k).Status
		if o.Documents(status) {
			continue
		}
		c.problem(o.Pointer+"/responses", "operation %s can answer %d (%s) but does not document it; document it or declare the kind with a documented status (%s)",
			o.ID, status, k, why)
	}
}
