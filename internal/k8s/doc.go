// Package k8s renders what runs a sharded ssebench load as a Kubernetes
// Indexed Job, and reads the shards' results back from their logs:
//
//	Render(Options) ─► ConfigMap (scenario) + Indexed Job (one shard per pod)
//	   pod i: ssebench run --scenario … --shards N --log-result  (JOB_COMPLETION_INDEX=i)
//	kubectl logs ─► Extract ─► []*result.Report ─► reports/merge
//
// It has no Kubernetes client: the YAML goes to `kubectl apply -f -`, and
// the logs come back from `kubectl logs`. Its tests decode the rendered
// objects strictly into the official API types.
package k8s
