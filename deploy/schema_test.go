package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
)

// kubeTypes are the Kubernetes API's own types of the objects deploy/
// renders, by apiVersion and kind. Objects of operators' custom resources
// (ServiceMonitor, CloudNativePG's Cluster) are not among them: their
// schemas come with the operators and are checked where those run.
var kubeTypes = map[string]func() any{
	"apps/v1 Deployment":                      func() any { return &appsv1.Deployment{} },
	"batch/v1 Job":                            func() any { return &batchv1.Job{} },
	"v1 Service":                              func() any { return &corev1.Service{} },
	"v1 ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"v1 Namespace":                            func() any { return &corev1.Namespace{} },
	"autoscaling/v2 HorizontalPodAutoscaler":  func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1 PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1 NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"networking.k8s.io/v1 Ingress":            func() any { return &networkingv1.Ingress{} },
	"monitoring.coreos.com/v1 ServiceMonitor": nil, // the Prometheus operator's
	"postgresql.cnpg.io/v1 Cluster":           nil, // CloudNativePG's
}

// strict decodes obj into the API type of its kind, refusing any field the
// type does not have and any value of the wrong type (what a schema
// validator such as kubeconform checks, from the API's own Go types, so
// nothing is downloaded).
func strict(obj map[string]any) error {
	key := fmt.Sprintf("%v %v", obj["apiVersion"], obj["kind"])
	newType, known := kubeTypes[key]
	if !known {
		return fmt.Errorf("%s: no schema known for it (add its API type to kubeTypes)", key)
	}
	if newType == nil {
		return nil
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(newType()); err != nil {
		return fmt.Errorf("%s %v: %w", key, get(obj, "metadata", "name"), err)
	}
	return nil
}

// Every object both kustomizations render is a valid object of its API
// type: no unknown or misplaced field, no value of the wrong type.
func TestKubernetesSchemas(t *testing.T) {
	for _, dir := range []string{"kubernetes/base", "kubernetes/production"} {
		for _, obj := range render(t, dir) {
			if err := strict(obj); err != nil {
				t.Errorf("%s: %v", dir, err)
			}
		}
	}
	// The check can fail: a misspelt field and a wrong type are refused.
	for _, bad := range []map[string]any{
		{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "x"}, "spec": map[string]any{"replica": 3}},
		{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "x"}, "spec": map[string]any{"ports": []any{map[string]any{"port": "http"}}}},
		{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "x"}},
	} {
		if err := strict(bad); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}
