using System.Globalization;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Allocation.Api.Infrastructure;

/// <summary>
/// The limits the validators enforce, declared in the contract as JSON Schema bounds (minLength, maxLength, minimum,
/// maximum, pattern), so each limit is written once, in its validator, and partners read it without a 400.
/// A rule on <c>Body.X</c> of a command bounds property X of the body's schema; a rule on <c>X</c> of a query or
/// command bounds the parameter named X of the operations that answer with that message's response type.
/// </summary>
internal static class ContractBounds
{
    private static readonly ConditionalWeakTable<IServiceProvider, RuleIndex> Indexes = new();

    public static void Add(OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonPropertyInfo is not null || schema.Properties is null) return Task.CompletedTask;
            var rules = Index(context.ApplicationServices);
            foreach (var property in context.JsonTypeInfo.Properties)
            {
                if (property.AttributeProvider is System.Reflection.MemberInfo member
                    && rules.For(context.JsonTypeInfo.Type, member.Name) is { } components
                    && schema.Properties.TryGetValue(property.Name, out var target) && target is OpenApiSchema bounded)
                    Apply(bounded, components);
            }
            return Task.CompletedTask;
        });

        options.AddOperationTransformer((operation, context, _) =>
        {
            var response = context.Description.SupportedResponseTypes.FirstOrDefault(r => r.StatusCode is >= 200 and < 300)?.Type;
            if (response is null || operation.Parameters is null) return Task.CompletedTask;
            var rules = Index(context.ApplicationServices);
            foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>())
            {
                if (parameter.In is ParameterLocation.Query or ParameterLocation.Path && parameter.Schema is OpenApiSchema schema
                    && rules.ForParameter(response, parameter.Name!) is { Count: > 0 } components)
                    Apply(schema, components);
            }
            return Task.CompletedTask;
        });
    }

    private static RuleIndex Index(IServiceProvider services) => Indexes.GetValue(services, s => new RuleIndex(s));

    private static void Apply(OpenApiSchema schema, IEnumerable<(IPropertyValidator Validator, bool Conditional)> components)
    {
        foreach (var (validator, conditional) in components)
        {
            switch (validator)
            {
                // A conditional NotEmpty is the condition's business (e.g. "a note when the reason is Other"); a
                // conditional length or range guards an optional field (When(x is not null)) and holds whenever it is sent.
                case INotEmptyValidator when conditional:
                    break;
                // NotEmpty on an id or a date refuses the type's default value, which no length describes.
                case INotEmptyValidator when schema.Type?.HasFlag(JsonSchemaType.String) == true && schema.Format is null:
                    schema.MinLength = Math.Max(schema.MinLength ?? 0, 1);
                    break;
                case INotEmptyValidator when schema.Type?.HasFlag(JsonSchemaType.Array) == true:
                    schema.MinItems = Math.Max(schema.MinItems ?? 0, 1);
                    break;
                case ILengthValidator length:
                    if (length.Min > 0) schema.MinLength = length.Min;
                    if (length.Max > 0) schema.MaxLength = length.Max;
                    break;
                case IBetweenValidator between when validator.Name == "InclusiveBetweenValidator":
                    schema.Minimum = Number(between.From);
                    schema.Maximum = Number(between.To);
                    break;
                case IBetweenValidator between:
                    schema.ExclusiveMinimum = Number(between.From);
                    schema.ExclusiveMaximum = Number(between.To);
                    break;
                case IComparisonValidator { MemberToCompare: null, ValueToCompare: { } value } comparison:
                    switch (comparison.Comparison)
                    {
                        case Comparison.GreaterThan: schema.ExclusiveMinimum = Number(value); break;
                        case Comparison.GreaterThanOrEqual: schema.Minimum = Number(value); break;
                        case Comparison.LessThan: schema.ExclusiveMaximum = Number(value); break;
                        case Comparison.LessThanOrEqual: schema.Maximum = Number(value); break;
                    }
                    break;
                case IRegularExpressionValidator regex:
                    schema.Pattern = regex.Expression;
                    break;
            }
        }
    }

    private static string? Number(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture);

    /// <summary>Every validator's property rules, by the type and property they constrain.</summary>
    private sealed class RuleIndex
    {
        private readonly Dictionary<(Type Owner, string Property), List<(IPropertyValidator, bool)>> _rules = [];
        private readonly Dictionary<Type, List<Type>> _messagesByResponse = [];

        public RuleIndex(IServiceProvider services)
        {
            foreach (var found in AssemblyScanner.FindValidatorsInAssembly(typeof(Program).Assembly, includeInternalTypes: true))
            {
                var message = found.InterfaceType.GetGenericArguments()[0];
                if (ResponseOf(message) is { } response)
                    (_messagesByResponse.TryGetValue(response, out var messages) ? messages : _messagesByResponse[response] = []).Add(message);
                foreach (var validator in services.GetServices(found.InterfaceType).OfType<IValidator>())
                foreach (var rule in validator.CreateDescriptor().Rules)
                {
                    if (Target(message, rule.Expression) is not { } target) continue;
                    var list = _rules.TryGetValue(target, out var existing) ? existing : _rules[target] = [];
                    list.AddRange(rule.Components.Select(c => (c.Validator, rule.HasCondition || rule.HasAsyncCondition || c.HasCondition || c.HasAsyncCondition)));
                }
            }
        }

        public List<(IPropertyValidator, bool)>? For(Type owner, string property) => _rules.GetValueOrDefault((owner, property));

        public List<(IPropertyValidator, bool)> ForParameter(Type response, string parameter) =>
            (_messagesByResponse.GetValueOrDefault(response) ?? [])
            .SelectMany(message => _rules.Where(r => r.Key.Owner == message && string.Equals(r.Key.Property, parameter, StringComparison.OrdinalIgnoreCase)))
            .SelectMany(r => r.Value)
            .ToList();

        /// <summary>The type and property a rule's expression ends at, e.g. <c>c => (int?)c.Body.Rooms</c> → (RegisterApartmentRequest, Rooms).</summary>
        private static (Type, string)? Target(Type message, LambdaExpression? expression)
        {
            var path = new Stack<string>();
            for (var node = expression?.Body; node is not ParameterExpression;)
            {
                switch (node)
                {
                    case UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } cast: node = cast.Operand; break;
                    case MemberExpression member: path.Push(member.Member.Name); node = member.Expression; break;
                    default: return null;
                }
            }
            if (path.Count == 0) return null;
            var owner = message;
            while (path.Count > 1) owner = owner.GetProperty(path.Pop())?.PropertyType ?? typeof(void);
            return (owner, path.Pop());
        }

        private static Type? ResponseOf(Type message) =>
            message.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.Namespace == "Mediator" && i.GetGenericArguments().Length == 1)?.GetGenericArguments()[0];
    }
}
