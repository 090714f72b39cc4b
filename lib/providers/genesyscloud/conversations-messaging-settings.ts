/**
 * Typed binding for `genesyscloud_conversations_messaging_settings`. Every nested block is
 * `Max: 1` and is rendered as a single-element list; every leaf is "Enabled" or "Disabled"
 * (case-sensitive).
 * @see https://registry.terraform.io/providers/mypurecloud/genesyscloud/1.84.1/docs/resources/conversations_messaging_settings
 */
import { Construct } from "constructs";
import * as cdktf from "cdktf";
import { bindingOptions, HclAttribute, definedHcl, hclBlocks, hclString, single } from "./binding-util";

/** A messaging setting leaf value (case-sensitive). */
export type MessagingSettingState = "Enabled" | "Disabled";

/** `content.story.mention` / `content.story.reply`. */
export interface MessagingSettingsInboundToggle {
  /** @default - not set */
  readonly inbound?: MessagingSettingState;
}
/** `content.story`: Facebook and Instagram stories. */
export interface MessagingSettingsStory {
  readonly mention?: MessagingSettingsInboundToggle;
  readonly reply?: MessagingSettingsInboundToggle;
}
/** `content`: settings about message contents. */
export interface MessagingSettingsContent {
  readonly story?: MessagingSettingsStory;
}
/** `event.typing.on`: whether typing indicator events are sent, per direction. */
export interface MessagingSettingsTypingOn {
  /** @default - not set */
  readonly inbound?: MessagingSettingState;
  /** @default - not set */
  readonly outbound?: MessagingSettingState;
}
/** `event.typing`. */
export interface MessagingSettingsTyping {
  readonly on?: MessagingSettingsTypingOn;
}
/** `event`: settings about events. */
export interface MessagingSettingsEvent {
  readonly typing?: MessagingSettingsTyping;
}

export interface GenesyscloudConversationsMessagingSettingsConfig extends cdktf.TerraformMetaArguments {
  /** The messaging setting profile name. Required. */
  readonly name: string;
  /** @default - not set */
  readonly content?: MessagingSettingsContent;
  /** @default - not set */
  readonly event?: MessagingSettingsEvent;
}

const toggleToTerraform = (t: MessagingSettingsInboundToggle) => ({ inbound: cdktf.stringToTerraform(t.inbound) });
const storyToTerraform = (s: MessagingSettingsStory) => ({
  mention: single(s.mention, toggleToTerraform),
  reply: single(s.reply, toggleToTerraform),
});
const contentToTerraform = (c: MessagingSettingsContent) => ({ story: single(c.story, storyToTerraform) });
const typingOnToTerraform = (o: MessagingSettingsTypingOn) => ({
  inbound: cdktf.stringToTerraform(o.inbound),
  outbound: cdktf.stringToTerraform(o.outbound),
});
const typingToTerraform = (t: MessagingSettingsTyping) => ({ on: single(t.on, typingOnToTerraform) });
const eventToTerraform = (e: MessagingSettingsEvent) => ({ typing: single(e.typing, typingToTerraform) });

type Hcl = Record<string, HclAttribute>;
const toggleToHcl = (t: MessagingSettingsInboundToggle): Hcl => definedHcl({ inbound: hclString(t.inbound) });
const storyToHcl = (s: MessagingSettingsStory): Hcl =>
  definedHcl({
    mention: hclBlocks(single(s.mention, toggleToHcl), "MessagingSettingsContentStoryMentionList"),
    reply: hclBlocks(single(s.reply, toggleToHcl), "MessagingSettingsContentStoryReplyList"),
  });
const contentToHcl = (c: MessagingSettingsContent): Hcl =>
  definedHcl({ story: hclBlocks(single(c.story, storyToHcl), "MessagingSettingsContentStoryList") });
const typingOnToHcl = (o: MessagingSettingsTypingOn): Hcl => definedHcl({ inbound: hclString(o.inbound), outbound: hclString(o.outbound) });
const typingToHcl = (t: MessagingSettingsTyping): Hcl =>
  definedHcl({ on: hclBlocks(single(t.on, typingOnToHcl), "MessagingSettingsEventTypingOnList") });
const eventToHcl = (e: MessagingSettingsEvent): Hcl =>
  definedHcl({ typing: hclBlocks(single(e.typing, typingToHcl), "MessagingSettingsEventTypingList") });

export class GenesyscloudConversationsMessagingSettings extends cdktf.TerraformResource {
  public static readonly tfResourceType = "genesyscloud_conversations_messaging_settings";

  private _name: string;
  private _content?: MessagingSettingsContent;
  private _event?: MessagingSettingsEvent;

  public constructor(scope: Construct, id: string, config: GenesyscloudConversationsMessagingSettingsConfig) {
    super(scope, id, bindingOptions("genesyscloud_conversations_messaging_settings", config));
    this._name = config.name;
    this._content = config.content;
    this._event = config.event;
  }

  /** The messaging setting id (read-only). */
  public get id(): string {
    return this.getStringAttribute("id");
  }
  public get name(): string {
    return this.getStringAttribute("name");
  }
  public set name(value: string) {
    this._name = value;
  }
  public get nameInput(): string | undefined {
    return this._name;
  }
  public get contentInput(): MessagingSettingsContent | undefined {
    return this._content;
  }
  public putContent(value: MessagingSettingsContent): void {
    this._content = value;
  }
  public resetContent(): void {
    this._content = undefined;
  }
  public get eventInput(): MessagingSettingsEvent | undefined {
    return this._event;
  }
  public putEvent(value: MessagingSettingsEvent): void {
    this._event = value;
  }
  public resetEvent(): void {
    this._event = undefined;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      content: single(this._content, contentToTerraform),
      event: single(this._event, eventToTerraform),
      name: cdktf.stringToTerraform(this._name),
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return definedHcl({
      content: hclBlocks(single(this._content, contentToHcl), "MessagingSettingsContentList"),
      event: hclBlocks(single(this._event, eventToHcl), "MessagingSettingsEventList"),
      name: hclString(this._name),
    });
  }
}
