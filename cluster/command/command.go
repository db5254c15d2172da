// Package command defines the raft log's vocabulary: an append-only enum of
// command types, one request struct per type, and the one codec that writes
// them. Values are stored on disk: never renumber, never reuse, only append.
package command

import (
	"encoding/json"
	"fmt"
)

// Type identifies a command in the raft log. The first byte of every log
// entry is its Type; the rest is the JSON-encoded request.
type Type uint8

const (
	KVSet             Type = 1 // KVSetRequest
	KVDelete          Type = 2 // KVDeleteRequest
	KVLoad            Type = 3 // KVLoadRequest: many sets, one transaction
	KVExpire          Type = 4 // KVExpireRequest: remove items whose TTL ran out
	KVDeletePref      Type = 5 // KVDeletePrefixRequest
	UserUpsert        Type = 6 // UserUpsertRequest
	UserDelete        Type = 7 // UserDeleteRequest
	TokenCreate       Type = 8 // TokenCreateRequest
	TokenDelete       Type = 9 // TokenDeleteRequest: revoke, or expire in bulk
	APIKeyCreate      Type = 10
	APIKeyUpdate      Type = 11
	APIKeyDelete      Type = 12
	AdminInit         Type = 13 // AdminInitRequest: the first admin, once per cluster
	Batch             Type = 14 // several encoded commands in one entry (EncodeBatch)
	PackRegister      Type = 15 // PackRegisterRequest: packs with their actions and files, atomically
	ActionPut         Type = 16 // ActionPutRequest
	ActionDelete      Type = 17 // ActionDeleteRequest
	NodeRunners       Type = 18 // NodeRunnersRequest: what a node can run
	ExecCreate        Type = 19 // ExecCreateRequest
	ExecUpdate        Type = 20 // ExecUpdateRequest: one status change
	MetaInit          Type = 21 // MetaInitRequest: set a cluster-wide value once
	ExecPurge         Type = 22 // ExecPurgeRequest: garbage-collect finished executions
	RulePut           Type = 23 // RulePutRequest
	RuleDelete        Type = 24 // RuleDeleteRequest
	TriggerFire       Type = 25 // TriggerFireRequest: a trigger instance, pending
	RuleEnforce       Type = 26 // RuleEnforceRequest: an instance processed with its enforcements and executions
	TriggerTypePut    Type = 27 // TriggerTypePutRequest
	TriggerTypeDelete Type = 28 // TriggerTypeDeleteRequest
	SensorPut         Type = 29 // SensorPutRequest: a plugin's sensors, or one sensor enabled/disabled
	TriggerPurge      Type = 30 // TriggerPurgeRequest: garbage-collect processed trigger instances
	WorkflowStep      Type = 31 // WorkflowStepRequest: a workflow's new state, its new tasks, its status
)

var names = map[Type]string{
	KVSet: "KVSet", KVDelete: "KVDelete", KVLoad: "KVLoad", KVExpire: "KVExpire",
	KVDeletePref: "KVDeletePrefix", UserUpsert: "UserUpsert", UserDelete: "UserDelete",
	TokenCreate: "TokenCreate", TokenDelete: "TokenDelete", APIKeyCreate: "APIKeyCreate",
	APIKeyUpdate: "APIKeyUpdate", APIKeyDelete: "APIKeyDelete", AdminInit: "AdminInit", Batch: "Batch",
	PackRegister: "PackRegister", ActionPut: "ActionPut", ActionDelete: "ActionDelete",
	NodeRunners: "NodeRunners", ExecCreate: "ExecCreate", ExecUpdate: "ExecUpdate", MetaInit: "MetaInit", ExecPurge: "ExecPurge",
	RulePut: "RulePut", RuleDelete: "RuleDelete", TriggerFire: "TriggerFire", RuleEnforce: "RuleEnforce",
	TriggerTypePut: "TriggerTypePut", TriggerTypeDelete: "TriggerTypeDelete", SensorPut: "SensorPut", TriggerPurge: "TriggerPurge",
	WorkflowStep: "WorkflowStep",
}

func (t Type) String() string {
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Encode writes a log entry: the type byte followed by the JSON request.
func Encode(t Type, req any) ([]byte, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("failed to encode %s command: %w", t, err)
	}
	buf := make([]byte, 0, len(body)+1)
	buf = append(buf, byte(t))
	return append(buf, body...), nil
}

// Decode splits a log entry into its type and request body.
func Decode(buf []byte) (Type, []byte, error) {
	if len(buf) == 0 {
		return 0, nil, fmt.Errorf("empty command")
	}
	return Type(buf[0]), buf[1:], nil
}

// Unmarshal decodes a request body into out.
func Unmarshal(body []byte, out any) error {
	return json.Unmarshal(body, out)
}
