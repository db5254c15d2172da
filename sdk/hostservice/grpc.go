package hostservice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	hostservicev1 "github.com/squall-io/squall/proto/hostservice/v1"
)

// NewGRPCClient returns the Service behind a connection to the host.
func NewGRPCClient(conn *grpc.ClientConn) Service {
	return &grpcClient{c: hostservicev1.NewHostServiceClient(conn)}
}

// RegisterGRPCServer serves s on g.
func RegisterGRPCServer(g *grpc.Server, s Service) {
	hostservicev1.RegisterHostServiceServer(g, &grpcServer{s: s})
}

type grpcClient struct {
	c hostservicev1.HostServiceClient
}

func (c *grpcClient) Get(ctx context.Context, id string, r GetRequest) (KeyValue, error) {
	resp, err := c.c.KVGet(ctx, &hostservicev1.KVGetRequest{
		ExecutionId: id, Name: r.Name, Scope: r.Scope, Decrypt: r.Decrypt,
	})
	if err != nil {
		return KeyValue{}, fromStatus(err)
	}
	if !resp.GetFound() {
		return KeyValue{}, fmt.Errorf("key %q: %w", r.Name, ErrNotFound)
	}
	return kvFromProto(resp.GetItem()), nil
}

func (c *grpcClient) Set(ctx context.Context, id string, r SetRequest) error {
	_, err := c.c.KVSet(ctx, &hostservicev1.KVSetRequest{
		ExecutionId: id, Name: r.Name, Value: r.Value, Scope: r.Scope, Encrypt: r.Encrypt, TtlSeconds: r.TTL,
	})
	return fromStatus(err)
}

func (c *grpcClient) List(ctx context.Context, id string, r ListRequest) ([]KeyValue, error) {
	resp, err := c.c.KVList(ctx, &hostservicev1.KVListRequest{
		ExecutionId: id, Prefix: r.Prefix, Scope: r.Scope, Decrypt: r.Decrypt,
	})
	if err != nil {
		return nil, fromStatus(err)
	}
	out := make([]KeyValue, 0, len(resp.GetItems()))
	for _, it := range resp.GetItems() {
		out = append(out, kvFromProto(it))
	}
	return out, nil
}

func (c *grpcClient) Delete(ctx context.Context, id string, r DeleteRequest) error {
	resp, err := c.c.KVDelete(ctx, &hostservicev1.KVDeleteRequest{ExecutionId: id, Name: r.Name, Scope: r.Scope})
	if err != nil {
		return fromStatus(err)
	}
	if !resp.GetDeleted() {
		return fmt.Errorf("key %q: %w", r.Name, ErrNotFound)
	}
	return nil
}

func (c *grpcClient) Log(ctx context.Context, id string, r LogRequest) error {
	_, err := c.c.Log(ctx, &hostservicev1.LogRequest{
		ExecutionId: id, Level: r.Level, Message: r.Message, Fields: r.Fields,
	})
	return fromStatus(err)
}

func (c *grpcClient) Dispatch(ctx context.Context, id string, r DispatchRequest) (string, error) {
	payload, err := json.Marshal(r.Payload)
	if err != nil {
		return "", fmt.Errorf("payload: %v: %w", err, ErrInvalid)
	}
	resp, err := c.c.Dispatch(ctx, &hostservicev1.DispatchRequest{
		ExecutionId: id, Trigger: r.Trigger, PayloadJson: payload, TraceTag: r.TraceTag,
	})
	if err != nil {
		return "", fromStatus(err)
	}
	return resp.GetTriggerInstanceId(), nil
}

type grpcServer struct {
	hostservicev1.UnimplementedHostServiceServer
	s Service
}

func (g *grpcServer) KVGet(ctx context.Context, r *hostservicev1.KVGetRequest) (*hostservicev1.KVGetResponse, error) {
	kv, err := g.s.Get(ctx, r.GetExecutionId(), GetRequest{Name: r.GetName(), Scope: r.GetScope(), Decrypt: r.GetDecrypt()})
	if errors.Is(err, ErrNotFound) {
		return &hostservicev1.KVGetResponse{}, nil
	}
	if err != nil {
		return nil, toStatus(err)
	}
	return &hostservicev1.KVGetResponse{Found: true, Item: kvToProto(kv)}, nil
}

func (g *grpcServer) KVSet(ctx context.Context, r *hostservicev1.KVSetRequest) (*hostservicev1.KVSetResponse, error) {
	err := g.s.Set(ctx, r.GetExecutionId(), SetRequest{
		Name: r.GetName(), Value: r.GetValue(), Scope: r.GetScope(), Encrypt: r.GetEncrypt(), TTL: r.GetTtlSeconds(),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &hostservicev1.KVSetResponse{}, nil
}

func (g *grpcServer) KVList(ctx context.Context, r *hostservicev1.KVListRequest) (*hostservicev1.KVListResponse, error) {
	items, err := g.s.List(ctx, r.GetExecutionId(), ListRequest{Prefix: r.GetPrefix(), Scope: r.GetScope(), Decrypt: r.GetDecrypt()})
	if err != nil {
		return nil, toStatus(err)
	}
	resp := &hostservicev1.KVListResponse{}
	for _, kv := range items {
		resp.Items = append(resp.Items, kvToProto(kv))
	}
	return resp, nil
}

func (g *grpcServer) KVDelete(ctx context.Context, r *hostservicev1.KVDeleteRequest) (*hostservicev1.KVDeleteResponse, error) {
	err := g.s.Delete(ctx, r.GetExecutionId(), DeleteRequest{Name: r.GetName(), Scope: r.GetScope()})
	if errors.Is(err, ErrNotFound) {
		return &hostservicev1.KVDeleteResponse{}, nil
	}
	if err != nil {
		return nil, toStatus(err)
	}
	return &hostservicev1.KVDeleteResponse{Deleted: true}, nil
}

func (g *grpcServer) Log(ctx context.Context, r *hostservicev1.LogRequest) (*hostservicev1.LogResponse, error) {
	err := g.s.Log(ctx, r.GetExecutionId(), LogRequest{Level: r.GetLevel(), Message: r.GetMessage(), Fields: r.GetFields()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &hostservicev1.LogResponse{}, nil
}

func (g *grpcServer) Dispatch(ctx context.Context, r *hostservicev1.DispatchRequest) (*hostservicev1.DispatchResponse, error) {
	var payload map[string]any
	if len(r.GetPayloadJson()) > 0 {
		dec := json.NewDecoder(bytes.NewReader(r.GetPayloadJson()))
		dec.UseNumber()
		if err := dec.Decode(&payload); err != nil {
			return nil, toStatus(fmt.Errorf("payload must be a JSON object: %v: %w", err, ErrInvalid))
		}
	}
	id, err := g.s.Dispatch(ctx, r.GetExecutionId(), DispatchRequest{Trigger: r.GetTrigger(), Payload: payload, TraceTag: r.GetTraceTag()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &hostservicev1.DispatchResponse{TriggerInstanceId: id}, nil
}

func kvToProto(kv KeyValue) *hostservicev1.KeyValue {
	return &hostservicev1.KeyValue{
		Name: kv.Name, Value: kv.Value, Scope: kv.Scope, User: kv.User,
		Secret: kv.Secret, Encrypted: kv.Encrypted, ExpireTimestamp: kv.ExpireTimestamp,
	}
}

func kvFromProto(p *hostservicev1.KeyValue) KeyValue {
	return KeyValue{
		Name: p.GetName(), Value: p.GetValue(), Scope: p.GetScope(), User: p.GetUser(),
		Secret: p.GetSecret(), Encrypted: p.GetEncrypted(), ExpireTimestamp: p.GetExpireTimestamp(),
	}
}

// toStatus turns a sentinel into a gRPC code, keeping the message.
func toStatus(err error) error {
	code := codes.Internal
	switch {
	case errors.Is(err, ErrNotFound):
		code = codes.NotFound
	case errors.Is(err, ErrPermissionDenied):
		code = codes.PermissionDenied
	case errors.Is(err, ErrInvalid):
		code = codes.InvalidArgument
	}
	return status.Error(code, err.Error())
}

// fromStatus turns a gRPC code back into the sentinel it came from.
func fromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	var sentinel error
	switch st.Code() {
	case codes.NotFound:
		sentinel = ErrNotFound
	case codes.PermissionDenied:
		sentinel = ErrPermissionDenied
	case codes.InvalidArgument:
		sentinel = ErrInvalid
	default:
		return fmt.Errorf("host service: %s", st.Message())
	}
	return &codedError{msg: st.Message(), sentinel: sentinel}
}

// codedError keeps the host's message and matches its sentinel.
type codedError struct {
	msg      string
	sentinel error
}

func (e *codedError) Error() string        { return e.msg }
func (e *codedError) Is(target error) bool { return target == e.sentinel }
